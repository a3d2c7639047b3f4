// The triggers of every flow (in one namespace, or all), a page at a time: `list_triggers`
// without a flow. Flows are walked in the store's order (namespace, id) and each page stops at
// `limit` triggers or after a bounded number of flows, so one call never reads the whole store.

import { WeftError } from '../../core/errors.js';
import { FLOW_CURSOR, InvalidCursorError, TRIGGER_CURSOR } from '../cursor.js';
import type { FlowService } from '../flow-service.js';

/** Triggers one page lists when the caller gives no limit. */
export const DEFAULT_TRIGGER_PAGE = 50;
/** Most triggers one page lists. */
export const MAX_TRIGGER_PAGE = 200;
/** Most flows one page reads: a page may end short of `limit` (with a cursor) when few flows have triggers. */
export const MAX_FLOWS_SCANNED = 500;
/** Flows read from the store at a time. */
const FLOW_BATCH = 100;

/** A trigger of a listing that spans flows: the trigger's view, and the flow it belongs to (`namespace/id`). */
export type FlowTriggerView<View> = View & { flow: string };

export interface TriggerPageRequest {
  /** Only flows of this namespace (a namespace-bound caller's); absent: every namespace. */
  namespace?: string;
  cursor?: string;
  /** Default DEFAULT_TRIGGER_PAGE, at most MAX_TRIGGER_PAGE. */
  limit?: number;
}

export interface TriggerPage<View> {
  triggers: FlowTriggerView<View>[];
  nextCursor?: string;
}

/** Pages through the triggers of every declarative flow; `listOf` gives one flow's triggers with their state. */
export async function pageTriggers<View extends { id: string }>(
  flows: FlowService,
  listOf: (ref: string) => Promise<View[]>,
  request: TriggerPageRequest,
): Promise<TriggerPage<View>> {
  const limit = Math.max(1, Math.min(request.limit ?? DEFAULT_TRIGGER_PAGE, MAX_TRIGGER_PAGE));
  const start = request.cursor ? TRIGGER_CURSOR.decode(request.cursor) : undefined;
  // A cursor names a flow it resumes in: one from another namespace must not read that flow.
  if (start && request.namespace !== undefined && start[0] !== request.namespace) throw new InvalidCursorError('triggers');
  const triggers: FlowTriggerView<View>[] = [];
  /** Adds a flow's triggers after `after`; the cursor of the last one added when the page fills first. */
  const take = async (ref: string, after = ''): Promise<string | undefined> => {
    const views = await triggersOrNone(listOf, ref);
    // A trigger the cursor names that is gone (the flow was saved since): list the flow again rather than skip it.
    const from = after ? views.findIndex((v) => v.id === after) + 1 : 0;
    for (const view of views.slice(from)) {
      const last = triggers.at(-1);
      if (triggers.length >= limit && last) return cursorAt(last.flow, last.id);
      triggers.push({ ...view, flow: ref });
    }
    return undefined;
  };
  if (start?.[2]) {
    const stopped = await take(`${start[0]}/${start[1]}`, start[2]);
    if (stopped) return { triggers, nextCursor: stopped };
  }
  let flowCursor = start ? FLOW_CURSOR.encode([start[0] ?? '', start[1] ?? '']) : undefined;
  let lastFlow: string | undefined;
  for (let scanned = 0; scanned < MAX_FLOWS_SCANNED; ) {
    const page = await flows.list({
      ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
      ...(flowCursor ? { cursor: flowCursor } : {}),
      limit: Math.min(FLOW_BATCH, MAX_FLOWS_SCANNED - scanned),
    });
    for (const summary of page.flows) {
      scanned++;
      if (summary.kind === 'declarative') {
        const stopped = await take(summary.flow);
        if (stopped) return { triggers, nextCursor: stopped };
      }
      lastFlow = summary.flow;
    }
    if (!page.nextCursor) return { triggers };
    flowCursor = page.nextCursor;
  }
  return { triggers, ...(lastFlow ? { nextCursor: cursorAt(lastFlow, '') } : {}) };
}

function cursorAt(flow: string, triggerId: string): string {
  const at = flow.indexOf('/');
  return TRIGGER_CURSOR.encode([flow.slice(0, at), flow.slice(at + 1), triggerId]);
}

/** A flow deleted between the listing and the read has no triggers left to show. */
async function triggersOrNone<View>(listOf: (ref: string) => Promise<View[]>, ref: string): Promise<View[]> {
  try {
    return await listOf(ref);
  } catch (error) {
    if (error instanceof WeftError && error.code === 'FLOW_NOT_FOUND') return [];
    throw error;
  }
}
