// `cache` on a subflow that the task waits for: a local activity looks the outcome up before the
// child starts, and another stores it once the child completed. What keys it is the child flow,
// the revision that runs and the rendered inputs. Subflows without `cache` issue neither call.

import type { CacheRequest, SubflowCacheQuery } from '../src/core/runs/activity-io.js';
import type { TaskRunRecord } from '../src/core/runs/run-types.js';
import type { SubflowTask } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { outputOf } from './task-cache.js';

/** The lookup of one subflow task run with `cache`. */
export function subflowCacheQuery(
  ctx: RunContext,
  task: SubflowTask,
  frame: Frame,
  record: TaskRunRecord,
  cache: CacheRequest,
  child: { revision: number; inputs: Record<string, unknown> },
): SubflowCacheQuery {
  // No secret nonce: a subflow's inputs never hold secret markers, and drawing it here would be a draw the run never made before.
  const context = {
    runId: ctx.runId,
    flow: `${ctx.flow.namespace}/${ctx.flow.id}`,
    taskId: task.id,
    ...(frame.iteration ? { iteration: frame.iteration } : {}),
    attempt: record.attempts,
  };
  return { context, cache, config: { flow: task.flow, revision: child.revision, inputs: child.inputs } };
}

/** The cached outcome (the task run then ends CACHED), or undefined: the child must run. */
export async function cachedSubflowOutcome(ctx: RunContext, query: SubflowCacheQuery, record: TaskRunRecord): Promise<unknown> {
  const hit = await ctx.local.lookupSubflowCache(query);
  return hit ? outputOf(record, hit) : undefined;
}

/** Stores the outcome of a child that completed; any other outcome is not kept. */
export async function storeSubflowOutcome(ctx: RunContext, query: SubflowCacheQuery, output: { state: string }): Promise<void> {
  if (output.state === 'COMPLETED') await ctx.local.storeSubflowCache({ ...query, output });
}
