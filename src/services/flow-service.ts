// Flows with revisions: validate, save (a new immutable revision only when the text changed),
// list, get and delete. The CLI, MCP and HTTP adapters call this; it is also the catalog
// subflows resolve against.

import { createHash } from 'node:crypto';
import { stringify as stringifyYaml } from 'yaml';
import { FlowValidationError, WeftError } from '../core/errors.js';
import type { FlowSpec } from '../core/spec/flow-spec.js';
import { type ParsedFlow, parseFlow } from '../core/spec/parse-flow.js';
import { FLOW_CURSOR } from './cursor.js';
import { type FlowCatalog, FlowNotFoundError } from './flows/flow-catalog.js';
import { FlowListOptionsSchema, FlowTextSchema, parseRequest } from './service-requests.js';
import type { Store } from './store/database.js';
import { isListenedTo, lastFlowTriggerFire, writeFlowTriggerLinks } from './triggers/flow-trigger-links.js';

export interface FlowSummary {
  flow: string;
  kind: string;
  description?: string;
  revision: number;
  updatedAt: string;
}

export interface FlowDetail {
  flow: string;
  /** `declarative` (a flow document), `code` (a TypeScript code flow) or `temporal` (an existing workflow type). */
  kind: FlowKind;
  revision: number;
  yaml: string;
  spec: FlowSpec;
  /** For code flows and existing workflows: what to start and how to check its input. */
  target?: WorkflowTarget;
  revisions: number;
  updatedAt: string;
}

export type FlowKind = 'declarative' | 'code' | 'temporal';

/** A catalog entry that is a workflow type rather than a flow document. */
export interface WorkflowTarget {
  kind: 'code' | 'temporal';
  namespace: string;
  id: string;
  description?: string;
  workflowType: string;
  taskQueue: string;
  /** JSON Schema of the input (derived from zod for code flows). */
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  /** How inputs become workflow arguments: one object (default), or positional by `argOrder`. */
  argOrder?: string[];
}

/** Thrown when a code flow or an existing workflow is used where a flow document is needed (subflow). */
export class NotAFlowDocumentError extends WeftError {
  constructor(ref: string, kind: FlowKind) {
    super('FLOW_KIND_UNSUPPORTED', `${ref} is a ${kind === 'code' ? 'code flow' : 'Temporal workflow entry'}, not a flow document`, {
      hint: 'start it with run_flow / weft run start; subflows must be flow documents',
    });
  }
}

/** Most flows one page of `list` returns. */
export const MAX_FLOW_PAGE = 200;

/**
 * The one validate entry of every adapter (MCP `validate_flow` and `save_flow`, `weft flow
 * validate|save`, `weft run start FILE`, `weft dev`'s example, the bench): size bounds, YAML or
 * JSON syntax, the spec, and what each expression references; every problem at once, each with
 * its line when known. Needs no store, so adapters that only check call it without services.
 */
export function checkFlow(text: string): ParsedFlow {
  return parseFlow(text);
}

/** `checkFlow` for callers that go on only with a valid flow: every problem in one error, named by `subject` (a file). */
export function validFlow(text: string, subject = 'flow'): FlowSpec {
  const parsed = checkFlow(text);
  if (!parsed.valid) throw new FlowValidationError(parsed.problems, subject);
  return parsed.flow;
}

/** Told after a flow's store write, to bring what lives outside the store along (Temporal Schedules of its triggers). */
export interface FlowChangeObserver {
  flowSaved(flow: string): Promise<void>;
  /** `spec`: the flow's last revision, which names the triggers it had. */
  flowDeleted(flow: string, spec: FlowSpec | undefined): Promise<void>;
}

export class FlowService implements FlowCatalog {
  private observer: FlowChangeObserver | undefined;

  constructor(private readonly store: Store) {}

  /** Sets who hears of saves and deletes (the trigger service, where a Temporal client exists). */
  observe(observer: FlowChangeObserver): void {
    this.observer = observer;
  }

  /** Saves a flow; unchanged text makes no new revision (`created: false`). */
  async save(text: string, message?: string): Promise<{ flow: string; revision: number; created: boolean }> {
    parseRequest(FlowTextSchema, text, 'flow document');
    const spec = validFlow(text);
    const { namespace, id, description } = spec;
    const saved = await this.writeRevision({ namespace, id, kind: 'declarative', source: text, spec, description, message });
    // Also for unchanged text: a save is how a user mends a Schedule a failed call left behind.
    await this.observer?.flowSaved(saved.flow);
    return saved;
  }

  /** Registers a code flow or an existing workflow type; unchanged registrations make no new revision. */
  register(target: WorkflowTarget): Promise<{ flow: string; revision: number; created: boolean }> {
    const source = stringifyYaml({ ...target, kind: target.kind === 'code' ? 'code-flow' : 'temporal-workflow' });
    const { namespace, id, kind, description } = target;
    return this.writeRevision({ namespace, id, kind, source, spec: target, description, message: `registered ${kind}` });
  }

  /** Writes a new immutable revision unless the latest has the same source text. */
  private async writeRevision(entry: {
    namespace: string;
    id: string;
    kind: FlowKind;
    source: string;
    spec: FlowSpec | WorkflowTarget;
    description: string | undefined;
    message: string | undefined;
  }): Promise<{ flow: string; revision: number; created: boolean }> {
    const hash = createHash('sha256').update(entry.source).digest('hex');
    // Two saves of one flow at once race for the next revision number; the loser retries. So
    // does a save whose SQLite read snapshot went stale under another process's write (the
    // service writing run logs): its transaction was rolled back whole.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insertRevision(entry, hash);
      } catch (error) {
        if (attempt >= 5 || !(isUniqueViolation(error) || isStaleSnapshot(error))) throw error;
      }
    }
  }

  private insertRevision(entry: Parameters<FlowService['writeRevision']>[0], hash: string): Promise<{ flow: string; revision: number; created: boolean }> {
    const { namespace, id } = entry;
    const now = new Date().toISOString();
    return this.store.db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('flows').selectAll().where('namespace', '=', namespace).where('id', '=', id).executeTakeFirst();
      if (current && current.deleted_at === null) {
        const latest = await tx
          .selectFrom('flow_revisions')
          .select('content_hash')
          .where('namespace', '=', namespace)
          .where('id', '=', id)
          .where('revision', '=', current.latest_revision)
          .executeTakeFirst();
        if (latest?.content_hash === hash) return { flow: `${namespace}/${id}`, revision: current.latest_revision, created: false };
      }
      const revision = (current?.latest_revision ?? 0) + 1;
      await tx
        .insertInto('flow_revisions')
        .values({
          namespace,
          id,
          revision,
          source: entry.source,
          spec: JSON.stringify(entry.spec),
          content_hash: hash,
          message: entry.message ?? null,
          created_at: now,
        })
        .execute();
      const row = { latest_revision: revision, description: entry.description ?? null, kind: entry.kind, updated_at: now, deleted_at: null };
      if (current) await tx.updateTable('flows').set(row).where('namespace', '=', namespace).where('id', '=', id).execute();
      else
        await tx
          .insertInto('flows')
          .values({ namespace, id, created_at: now, ...row })
          .execute();
      // With the revision, so a run never sees a revision whose flow triggers are not indexed.
      await writeFlowTriggerLinks(tx, namespace, id, entry.kind === 'declarative' ? (entry.spec as FlowSpec) : undefined);
      return { flow: `${namespace}/${id}`, revision, created: true };
    });
  }

  async list(input: { namespace?: string; search?: string; cursor?: string; limit?: number } = {}): Promise<{ flows: FlowSummary[]; nextCursor?: string }> {
    const options = parseRequest(FlowListOptionsSchema, input, 'flow filter');
    const limit = Math.max(1, Math.min(options.limit ?? 50, MAX_FLOW_PAGE));
    let query = this.store.db.selectFrom('flows').selectAll().where('deleted_at', 'is', null);
    if (options.namespace) query = query.where('namespace', '=', options.namespace);
    if (options.search) {
      const pattern = `%${options.search.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['id']), 'like', pattern),
          eb(eb.fn('lower', ['description']), 'like', pattern),
          eb(eb.fn('lower', ['namespace']), 'like', pattern),
        ]),
      );
    }
    if (options.cursor) {
      const [ns = '', id = ''] = FLOW_CURSOR.decode(options.cursor);
      query = query.where((eb) => eb.or([eb('namespace', '>', ns), eb.and([eb('namespace', '=', ns), eb('id', '>', id)])]));
    }
    const rows = await query
      .orderBy('namespace')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      flows: page.map((r) => ({
        flow: `${r.namespace}/${r.id}`,
        kind: r.kind,
        ...(r.description ? { description: r.description } : {}),
        revision: r.latest_revision,
        updatedAt: r.updated_at,
      })),
      ...(rows.length > limit && last ? { nextCursor: FLOW_CURSOR.encode([last.namespace, last.id]) } : {}),
    };
  }

  async get(ref: string, revision?: number): Promise<FlowDetail> {
    const [namespace, id] = splitRef(ref);
    const flow = await this.store.db
      .selectFrom('flows')
      .selectAll()
      .where('namespace', '=', namespace)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!flow) throw new FlowNotFoundError(ref, revision);
    const wanted = revision ?? flow.latest_revision;
    const row = await this.store.db
      .selectFrom('flow_revisions')
      .selectAll()
      .where('namespace', '=', namespace)
      .where('id', '=', id)
      .where('revision', '=', wanted)
      .executeTakeFirst();
    if (!row) throw new FlowNotFoundError(ref, revision);
    const kind = flow.kind as FlowKind;
    const stored = JSON.parse(row.spec) as FlowSpec | WorkflowTarget;
    return {
      flow: ref,
      kind,
      revision: row.revision,
      yaml: row.source,
      spec: kind === 'declarative' ? (stored as FlowSpec) : { id, namespace, tasks: [] },
      ...(kind === 'declarative' ? {} : { target: stored as WorkflowTarget }),
      revisions: flow.latest_revision,
      updatedAt: flow.updated_at,
    };
  }

  /** Deletes a flow; its revisions stay so runs that used them can still be explained. */
  async delete(ref: string): Promise<{ deleted: boolean }> {
    const [namespace, id] = splitRef(ref);
    const last = this.observer ? await this.get(ref).catch(() => undefined) : undefined;
    const result = await this.store.db
      .updateTable('flows')
      .set({ deleted_at: new Date().toISOString() })
      .where('namespace', '=', namespace)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    const deleted = Number(result.numUpdatedRows) > 0;
    if (deleted) await this.observer?.flowDeleted(ref, last?.spec);
    return { deleted };
  }

  /** The run a flow trigger of `ref` last started (or attached to), and when. */
  lastFlowTriggerFire(ref: string, triggerId: string): Promise<{ firedAt: string; runId: string } | undefined> {
    return lastFlowTriggerFire(this.store.db, ref, triggerId);
  }

  /** FlowCatalog: whether a flow trigger of a saved flow listens to `ref` (one indexed read). */
  listenedTo(ref: string): Promise<boolean> {
    return isListenedTo(this.store.db, ref);
  }

  /** FlowCatalog: the spec of a revision (default: the latest), for subflows and runs. */
  async resolve(ref: string, revision?: number): Promise<{ flow: FlowSpec; revision: number }> {
    const detail = await this.get(ref, revision);
    if (detail.kind !== 'declarative') throw new NotAFlowDocumentError(ref, detail.kind);
    return { flow: detail.spec, revision: detail.revision };
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function isStaleSnapshot(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_BUSY_SNAPSHOT';
}

function splitRef(ref: string): [string, string] {
  const at = ref.indexOf('/');
  if (at <= 0 || at === ref.length - 1) throw new WeftError('FLOW_REF_INVALID', `flow "${ref}" must be written namespace/id`, { hint: 'e.g. default/my-flow' });
  return [ref.slice(0, at), ref.slice(at + 1)];
}
