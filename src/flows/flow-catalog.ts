// Where subflows are looked up. The registry (flows saved with revisions) will implement this
// interface; until then a catalog holds flows given in memory or loaded from files.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FlowValidationError, WeftError } from '../errors.js';
import { type FlowSpec, flowRef } from '../spec/flow-spec.js';
import { parseFlow } from '../spec/parse-flow.js';

export class FlowNotFoundError extends WeftError {
  constructor(
    readonly flow: string,
    revision?: number,
  ) {
    super('FLOW_NOT_FOUND', `flow ${flow}${revision ? ` revision ${revision}` : ''} does not exist`, {
      hint: 'save the flow first, or check its namespace/id',
    });
  }
}

export interface FlowCatalog {
  resolve(ref: string, revision?: number): Promise<{ flow: FlowSpec; revision: number }>;
}

/** Flows held in memory; each `add` of a changed flow makes a new revision. */
export class MemoryFlowCatalog implements FlowCatalog {
  private readonly revisions = new Map<string, FlowSpec[]>();

  add(flow: FlowSpec): number {
    const list = this.revisions.get(flowRef(flow)) ?? [];
    const last = list.at(-1);
    if (!last || JSON.stringify(last) !== JSON.stringify(flow)) list.push(flow);
    this.revisions.set(flowRef(flow), list);
    return list.length;
  }

  async resolve(ref: string, revision?: number): Promise<{ flow: FlowSpec; revision: number }> {
    const list = this.revisions.get(ref);
    const index = revision ?? list?.length ?? 0;
    const flow = list?.[index - 1];
    if (!flow) throw new FlowNotFoundError(ref, revision);
    return { flow, revision: index };
  }

  /** Loads every .yaml, .yml and .json flow in a directory; an invalid file is an error naming it. */
  async loadDirectory(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      if (!['.yaml', '.yml', '.json'].includes(extname(name))) continue;
      const parsed = parseFlow(await readFile(join(dir, name), 'utf8'));
      if (!parsed.valid) throw new FlowValidationError(parsed.problems, join(dir, name));
      this.add(parsed.flow);
    }
  }
}
