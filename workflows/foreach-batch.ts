// `foreachBatch`: runs a slice of a large foreach as a child workflow with its own history, and
// returns the slice's iteration outputs (the claim-check codec keeps a large result out of history).

import { ApplicationFailure } from '@temporalio/workflow';
import { type RestartSeed, RUN_FAILURE_TYPES, type RunRights } from '../src/core/runs/run-types.js';
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

/** Workflow result of `foreachBatch` (enters history): the iteration outputs. */
export interface ForeachBatchResult {
  iterations: Record<string, unknown>[];
}

export async function foreachBatch(input: ForeachBatchInput): Promise<ForeachBatchResult> {
  const ctx = new RunContext(input.runId, input.flow, input.revision, input.depth);
  ctx.rights = input.rights;
  ctx.taskDefaults = input.taskDefaults;
  if (input.restart) ctx.restart = new RestartBook(input.restart);
  ctx.queueScope = { ...(input.flow.queue !== undefined ? { queue: input.flow.queue } : {}), tasks: input.tasks };
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
      details: [{ taskId: error.taskId, iteration: error.iteration, error: error.error }],
    });
  }
  return { iterations };
}
