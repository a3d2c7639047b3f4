// `foreachBatch`: runs a slice of a large foreach as a child workflow with its own history, and
// returns the slice's iteration outputs and task runs (the claim-check codec keeps a large result
// out of history). While it runs, it answers the run's queries for its own task runs and outputs,
// so a run's detail can show the iterations it holds (src/services/runs/batch-tasks.ts).

import { ApplicationFailure, defineQuery, setHandler } from '@temporalio/workflow';
import {
  type BatchTaskRuns,
  FLOW_RUN,
  type RestartSeed,
  RUN_FAILURE_TYPES,
  type RunRights,
  type TaskOutputQuery,
  type TaskOutputResult,
  type TaskRunsPage,
  type TaskRunsQuery,
  taskRunKey,
} from '../src/core/runs/run-types.js';
import type { FlowSpec, Task } from '../src/core/spec/flow-spec.js';
import type { TaskDefaultsTable } from '../src/core/task-types/run-defaults.js';
import { Frame, type FrameBase } from './frame.js';
import { Interpreter } from './interpreter.js';
import { RestartBook } from './restart-seed.js';
import { RunContext } from './run-context.js';
import { runPool } from './run-pool.js';
import { TaskFailure } from './task-failure.js';

/** Workflow input of `foreachBatch` (enters history). */
export interface ForeachBatchInput {
  runId: string;
  flow: FlowSpec;
  revision: number;
  depth: number;
  foreachId: string;
  tasks: Task[];
  items: unknown[];
  offset: number;
  concurrency: number;
  /** What the iterations see besides `item` and `index` (the codec keeps a large one out of history). */
  base: FrameBase;
  outputs: Record<string, unknown>;
  locals: Record<string, unknown>;
  iterationPrefix: number[];
  /** The run's rights, for the subflows of its iterations (FlowRunInput.rights). */
  rights?: RunRights;
  /** The run's task-type defaults (FlowRunInput.taskDefaults), for the tasks of its iterations. */
  taskDefaults?: TaskDefaultsTable;
  /** In a restarted run: the reusable task runs of this batch's iterations (FlowRunInput.restart). */
  restart?: RestartSeed;
}

/** What iterations of a batch see besides `item` and `index`. */
export interface BatchScope {
  base: FrameBase;
  outputs: Record<string, unknown>;
  locals: Record<string, unknown>;
}

/** Workflow result of `foreachBatch` (enters history): the iteration outputs, and its task runs. */
export interface ForeachBatchResult extends BatchTaskRuns {
  iterations: Record<string, unknown>[];
}

// The same queries a run answers, under the same names: a batch's task runs and outputs are read
// like a run's. Registering a handler issues no command, so runs in flight replay unchanged.
const batchTaskRunsQuery = defineQuery<TaskRunsPage, [TaskRunsQuery?]>(FLOW_RUN.taskRunsQuery);
const batchTaskOutputQuery = defineQuery<TaskOutputResult, [TaskOutputQuery]>(FLOW_RUN.taskOutputQuery);

export async function foreachBatch(input: ForeachBatchInput): Promise<ForeachBatchResult> {
  const ctx = new RunContext(input.runId, input.flow, input.revision, input.depth);
  ctx.rights = input.rights;
  ctx.taskDefaults = input.taskDefaults;
  if (input.restart) ctx.restart = new RestartBook(input.restart);
  ctx.queueScope = { ...(input.flow.queue !== undefined ? { queue: input.flow.queue } : {}), tasks: input.tasks };
  // A batch holds no approval (a foreach with one runs inline) and is never queued: it is RUNNING while it answers.
  setHandler(batchTaskRunsQuery, (query) => ({
    state: 'RUNNING',
    offset: query?.offset ?? 0,
    ...ctx.book.page(query?.offset, query?.limit),
    pendingApprovals: [],
  }));
  setHandler(batchTaskOutputQuery, ({ taskId, iteration }) => {
    const key = taskRunKey(taskId, iteration);
    return ctx.outputs.has(key) ? { found: true, output: ctx.outputs.get(key) } : { found: false };
  });
  try {
    return await runBatch(ctx, input);
  } finally {
    // The batch's task events belong to the parent run's logs: write them before the batch closes.
    ctx.events.writeNow();
  }
}

async function runBatch(ctx: RunContext, input: ForeachBatchInput): Promise<ForeachBatchResult> {
  const interp = new Interpreter(ctx);
  const outer = Frame.root(input.base).child(input.locals, input.iterationPrefix.length ? input.iterationPrefix : undefined);
  outer.seedOutputs(input.outputs);
  const iterations: Record<string, unknown>[] = new Array(input.items.length);
  try {
    const iterate = (i: number) => {
      const index = input.offset + i;
      const child = outer.child({ item: input.items[i], index }, [...input.iterationPrefix, index]);
      iterations[i] = child.outputsHere();
      return interp.runList(input.tasks, child);
    };
    await runPool(input.items.length, input.concurrency, iterate);
  } catch (error) {
    if (!(error instanceof TaskFailure)) throw error;
    throw ApplicationFailure.create({
      type: RUN_FAILURE_TYPES.failed,
      message: error.message,
      nonRetryable: true,
      details: [{ taskId: error.taskId, iteration: error.iteration, error: error.error, tasks: ctx.book.all() }],
    });
  }
  return { iterations, tasks: ctx.book.all() };
}
