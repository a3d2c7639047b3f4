// Where subflows are looked up: the registry (FlowService) implements this interface; the
// in-memory catalog serves tests and tools that run flows without a store.

import { WeftError } from '../../core/errors.js';
import { type FlowSpec, flowRef } from '../../core/spec/flow-spec.js';

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
  /** Whether a flow trigger of a saved flow listens to `ref`; absent: none can (a catalog without a store). */
  listenedTo?(ref: string): Promise<boolean>;
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
}
