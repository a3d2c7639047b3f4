// The store's index of flow triggers: which saved flows listen to which upstream flow. Written in
// the same transaction as each revision, so a run's "does anyone listen to my flow?" is one
// indexed read, and an ending run finds its listeners without reading every flow.

import type { Kysely } from 'kysely';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import type { FlowTrigger } from '../../core/spec/triggers.js';
import type { StoreSchema } from '../store/schema.js';

/** A flow trigger of a saved flow, by downstream flow and trigger id. */
export interface FlowTriggerLink {
  /** `namespace/id` of the flow holding the trigger. */
  flow: string;
  triggerId: string;
}

/** The enabled flow triggers of a flow. */
export function enabledFlowTriggers(spec: FlowSpec | undefined): FlowTrigger[] {
  return (spec?.triggers ?? []).filter((t): t is FlowTrigger => t.type === 'flow' && t.enabled !== false);
}

/**
 * Makes the links of flow (namespace, id) those of `spec` (its new latest revision; none for a
 * code flow or a Temporal workflow entry), keeping the last fire of links that stay. Call inside
 * the transaction that writes the revision.
 */
export async function writeFlowTriggerLinks(db: Kysely<StoreSchema>, namespace: string, id: string, spec: FlowSpec | undefined): Promise<void> {
  const rows = enabledFlowTriggers(spec).flatMap((t) => [...new Set(t.flows)].map((upstream) => ({ upstream, namespace, id, trigger_id: t.id })));
  const kept = new Set(rows.map((r) => `${r.trigger_id}\n${r.upstream}`));
  const existing = await db
    .selectFrom('flow_trigger_links')
    .select(['upstream', 'trigger_id'])
    .where('namespace', '=', namespace)
    .where('id', '=', id)
    .execute();
  for (const gone of existing.filter((r) => !kept.has(`${r.trigger_id}\n${r.upstream}`)))
    await db
      .deleteFrom('flow_trigger_links')
      .where('namespace', '=', namespace)
      .where('id', '=', id)
      .where('trigger_id', '=', gone.trigger_id)
      .where('upstream', '=', gone.upstream)
      .execute();
  if (rows.length)
    await db
      .insertInto('flow_trigger_links')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** Records that a trigger of `flow` fired for a run of `upstream`: `list_triggers` shows it as `lastFire`. */
export async function recordFlowTriggerFire(db: Kysely<StoreSchema>, upstream: string, fired: FlowTriggerLink & { runId: string }, at: string): Promise<void> {
  const [namespace, id] = splitFlowRef(fired.flow);
  await db
    .updateTable('flow_trigger_links')
    .set({ last_run_id: fired.runId, last_fired_at: at })
    .where('upstream', '=', upstream)
    .where('namespace', '=', namespace)
    .where('id', '=', id)
    .where('trigger_id', '=', fired.triggerId)
    .execute();
}

/** The last run a trigger of `flow` started, over all its upstream flows. */
export async function lastFlowTriggerFire(db: Kysely<StoreSchema>, flow: string, triggerId: string): Promise<{ firedAt: string; runId: string } | undefined> {
  const [namespace, id] = splitFlowRef(flow);
  const row = await db
    .selectFrom('flow_trigger_links')
    .select(['last_run_id', 'last_fired_at'])
    .where('namespace', '=', namespace)
    .where('id', '=', id)
    .where('trigger_id', '=', triggerId)
    .where('last_fired_at', 'is not', null)
    .orderBy('last_fired_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.last_run_id && row.last_fired_at ? { firedAt: row.last_fired_at, runId: row.last_run_id } : undefined;
}

function splitFlowRef(ref: string): [string, string] {
  const at = ref.indexOf('/');
  return [ref.slice(0, at), ref.slice(at + 1)];
}

/** Whether a flow trigger of a saved (not deleted) flow listens to `upstream` (`namespace/id`). */
export async function isListenedTo(db: Kysely<StoreSchema>, upstream: string): Promise<boolean> {
  const row = await db
    .selectFrom('flow_trigger_links as l')
    .innerJoin('flows as f', (join) => join.onRef('f.namespace', '=', 'l.namespace').onRef('f.id', '=', 'l.id'))
    .select('l.trigger_id')
    .where('l.upstream', '=', upstream)
    .where('f.deleted_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The flow triggers of saved (not deleted) flows that listen to `upstream`, in a stable order. */
export async function listenersOf(db: Kysely<StoreSchema>, upstream: string): Promise<FlowTriggerLink[]> {
  const rows = await db
    .selectFrom('flow_trigger_links as l')
    .innerJoin('flows as f', (join) => join.onRef('f.namespace', '=', 'l.namespace').onRef('f.id', '=', 'l.id'))
    .select(['l.namespace', 'l.id', 'l.trigger_id'])
    .where('l.upstream', '=', upstream)
    .where('f.deleted_at', 'is', null)
    .orderBy('l.namespace')
    .orderBy('l.id')
    .orderBy('l.trigger_id')
    .execute();
  return rows.map((r) => ({ flow: `${r.namespace}/${r.id}`, triggerId: r.trigger_id }));
}
