// The foreach task. Small lists run inline; large ones run in batches of child workflows so
// no single history nears Temporal's limits (a child's history is its own, and the parent
// records only a few events per batch). Large outputs and scopes pass inline: the claim-check
// codec keeps every payload over its threshold out of history.

import { executeChild, patched, workflowInfo } from '@temporalio/workflow';
import { renderTemplate } from '../src/core/expressions/evaluate.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import type { ForeachTask, Task } from '../src/core/spec/flow-spec.js';
import type { BatchScope, ForeachBatchInput, ForeachBatchResult } from './foreach-batch.js';
import type { Frame } from './frame.js';
import type { Interpreter } from './interpreter.js';
import { WORKER_GROUPS_PATCH } from './run-context.js';
import { runPool } from './run-pool.js';
import { TaskFailure } from './task-failure.js';

/** Estimated history events one iteration may cost, per task it holds (activity + workflow task). */
const EVENTS_PER_TASK = 6;
/**
 * History events one workflow spends on iterations, and its items: 6,000 events (1,000 one-task
 * items) at most, well under Temporal's 10,240-event warning, so a run of a 1,000-item foreach
 * needs no child workflows (each batch boundary drains the pool and costs a child's start and end).
 */
const EVENTS_PER_BATCH = 6000;
const MAX_BATCH_ITEMS = 1000;
/** History events a run may reach with inline iterations; the rest of the run keeps room under the warning. */
const INLINE_HISTORY = 8000;

export async function runForeach(interp: Interpreter, task: ForeachTask, frame: Frame, record: TaskRunRecord): Promise<unknown> {
  const items = Array.isArray(task.items) ? task.items : renderTemplate(task.items, frame.scope(), `${task.id}.items`);
  if (!Array.isArray(items)) {
    throw new TaskFailure(task.id, frame.iteration, { type: 'InvalidItems', message: `${task.id}.items must evaluate to a list (got ${typeof items})` });
  }
  const concurrency = task.concurrency ?? 1;
  record.progress = { done: 0, total: items.length };
  const batchSize = foreachBatchSize(task.tasks);
  // historyLength replays the same, so the choice does too.
  const inline = items.length <= batchSize && workflowInfo().historyLength + items.length * EVENTS_PER_TASK * countTasks(task.tasks) <= INLINE_HISTORY;
  if (!inline && !holdsApproval(task.tasks)) {
    // Batches run for a while in their own histories: write what this run recorded so far first.
    interp.ctx.events.writeNow();
    return runBatched(interp, task, frame, record, items, batchSize);
  }
  const iterations: Record<string, unknown>[] = new Array(items.length);
  const iterate = (i: number) => {
    const child = frame.child({ item: items[i], index: i }, [...(frame.iteration ?? []), i]);
    // The iteration's output map, filled in as its tasks complete (read only once all succeed).
    iterations[i] = child.outputsHere();
    return interp.runList(task.tasks, child);
  };
  const counted = () => {
    if (record.progress) record.progress.done += 1;
  };
  await runPool(items.length, concurrency, iterate, counted);
  return { iterations };
}

async function runBatched(interp: Interpreter, task: ForeachTask, frame: Frame, record: TaskRunRecord, items: unknown[], batchSize: number): Promise<unknown> {
  const { ctx } = interp;
  const concurrency = task.concurrency ?? 1;
  const perBatch = Math.min(concurrency, batchSize);
  const batchesAtOnce = Math.max(1, Math.floor(concurrency / perBatch));
  const batchCount = Math.ceil(items.length / batchSize);
  const parts: Record<string, unknown>[][] = new Array(batchCount);
  const { workflowId } = workflowInfo();
  const key = taskRunKey(task.id, frame.iteration);
  const scope: BatchScope = { base: frame.jsonBase(), outputs: frame.visibleOutputs(), locals: frame.locals };
  // A batch's flow holds no tasks: the foreach's own queue goes with it as its tasks' default.
  const queue = ctx.queueOf(task.id);
  const routed = queue !== undefined && patched(WORKER_GROUPS_PATCH) ? { queue } : {};
  // A large scope goes into each batch's input as one claim-checked payload, stored once (content-addressed).
  await runPool(batchCount, batchesAtOnce, async (b) => {
    const offset = b * batchSize;
    const input: ForeachBatchInput = {
      runId: ctx.runId,
      flow: { id: ctx.flow.id, namespace: ctx.flow.namespace, tasks: [], ...(ctx.flow.retry ? { retry: ctx.flow.retry } : {}), ...routed },
      revision: ctx.revision,
      depth: ctx.depth,
      foreachId: task.id,
      tasks: task.tasks,
      items: items.slice(offset, offset + batchSize),
      offset,
      concurrency: perBatch,
      ...scope,
      iterationPrefix: frame.iteration ?? [],
      ...(ctx.rights ? { rights: ctx.rights } : {}),
      ...(ctx.taskDefaults ? { taskDefaults: ctx.taskDefaults } : {}),
      ...(ctx.restart ? { restart: ctx.restart.forBatch(frame.iteration ?? [], offset, batchSize) } : {}),
    };
    const result = (await executeChild('foreachBatch', {
      workflowId: `${workflowId}.${key}.batch${b}`,
      args: [input],
      staticSummary: `${key}: items ${offset}..${offset + input.items.length - 1}`,
    })) as ForeachBatchResult;
    parts[b] = result.iterations;
    if (record.progress) record.progress.done += input.items.length;
  });
  return { iterations: parts.flat() };
}

/** Items per batch child (and most items run inline), from how many tasks one iteration holds. */
export function foreachBatchSize(tasks: readonly Task[]): number {
  return Math.max(1, Math.min(MAX_BATCH_ITEMS, Math.floor(EVENTS_PER_BATCH / (EVENTS_PER_TASK * countTasks(tasks)))));
}

function countTasks(tasks: readonly Task[]): number {
  let n = 0;
  for (const task of tasks) n += 1 + nestedLists(task).reduce((sum, list) => sum + countTasks(list), 0);
  return n;
}

function holdsApproval(tasks: readonly Task[]): boolean {
  return tasks.some((t) => t.type === 'approval' || nestedLists(t).some(holdsApproval));
}

function nestedLists(task: Task): Task[][] {
  switch (task.type) {
    case 'sequence':
    case 'parallel':
    case 'foreach':
      return [task.tasks];
    case 'if':
      return [task.then, ...(task.else ? [task.else] : [])];
    case 'switch':
      return [...Object.values(task.cases), ...(task.default ? [task.default] : [])];
    default:
      return [];
  }
}
