// `flowRun`: the one interpreter workflow. Runs `tasks`, then `errors` if they failed, then
// `finally` whatever happened; enforces the flow timeout inside the workflow so `finally` runs;
// fails the Temporal workflow when the run fails, so Temporal's own tools say Failed.

import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  defineQuery,
  defineUpdate,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { renderValue } from '../src/core/expressions/evaluate.js';
import {
  type ApprovalOutput,
  type ApprovalResponse,
  FLOW_RUN,
  type FlowRunFailureDetails,
  type FlowRunInput,
  type FlowRunResult,
  RUN_FAILURE_TYPES,
  type RunState,
  type TaskOutputQuery,
  type TaskOutputResult,
  type TaskRunsPage,
  type TaskRunsQuery,
  taskRunKey,
} from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import { checkApprovalResponse, recordApprovalResponse } from './approval.js';
import { resolveFiredRun } from './fired-run.js';
import { settleWithFlowTriggers } from './flow-trigger-fire.js';
import { Frame } from './frame.js';
import { Interpreter } from './interpreter.js';
import { RestartBook } from './restart-seed.js';
import { RunContext } from './run-context.js';
import { admitRun, releasingRunSlot } from './run-slot.js';
import { TaskFailure, toTaskError } from './task-failure.js';
import { runWithTimeout } from './timeout-scope.js';

export const taskRunsQuery = defineQuery<TaskRunsPage, [TaskRunsQuery?]>(FLOW_RUN.taskRunsQuery);
export const taskOutputQuery = defineQuery<TaskOutputResult, [TaskOutputQuery]>(FLOW_RUN.taskOutputQuery);
export const approvalUpdate = defineUpdate<ApprovalOutput, [ApprovalResponse]>(FLOW_RUN.approvalUpdate);

export async function flowRun(given: FlowRunInput): Promise<FlowRunResult> {
  // Triggers (H5): a Schedule's start names only its flow and trigger; resolve what runs.
  const input = given.fire ? await resolveFiredRun(given) : given;
  if (!input) return { state: 'COMPLETED', outputs: {}, tasks: [] };
  const ctx = new RunContext(workflowInfo().workflowId, input.flow, input.revision, input.depth ?? 0);
  ctx.rights = input.rights;
  ctx.taskDefaults = input.taskDefaults;
  if (input.restart) ctx.restart = new RestartBook(input.restart);
  try {
    // Flow triggers listening to this flow fire as the run's last step (none listening: no step).
    return await settleWithFlowTriggers(input, () =>
      input.flow.concurrency ? releasingRunSlot(ctx, () => interpretRun(ctx, input)) : interpretRun(ctx, input),
    );
  } finally {
    // Every way out (completed, failed, timed out, cancelled) writes the events still buffered,
    // so a closed run's logs are complete; a sink write issues no command, so no cancellation stops it.
    ctx.events.writeNow();
  }
}

async function interpretRun(ctx: RunContext, input: FlowRunInput): Promise<FlowRunResult> {
  const { flow } = input;
  const info = workflowInfo();
  let state: RunState = 'RUNNING';
  let waitingFor: string | undefined;
  setHandler(taskRunsQuery, (query) => {
    const page = ctx.book.page(query?.offset, query?.limit);
    const live = state === 'RUNNING' && ctx.book.approvals.size > 0 ? 'WAITING' : state;
    return { state: live, offset: query?.offset ?? 0, ...page, pendingApprovals: [...ctx.book.approvals.values()], ...(waitingFor ? { waitingFor } : {}) };
  });
  setHandler(taskOutputQuery, ({ taskId, iteration }) => {
    const key = taskRunKey(taskId, iteration);
    return ctx.outputs.has(key) ? { found: true, output: ctx.outputs.get(key) } : { found: false };
  });
  setHandler(approvalUpdate, (response) => recordApprovalResponse(ctx, response), { validator: (response) => checkApprovalResponse(ctx, response) });
  // Concurrency (docs/limits.md): the slot first, before vars, the timeout and any task.
  const admitted = flow.concurrency
    ? await admitRun(ctx, input, {
        onQueued: (what) => {
          state = 'QUEUED';
          waitingFor = what;
        },
        onAdmitted: () => {
          state = 'RUNNING';
          waitingFor = undefined;
        },
      })
    : undefined;

  const interp = new Interpreter(ctx);
  const run = {
    id: info.workflowId,
    flow: `${flow.namespace}/${flow.id}`,
    namespace: flow.namespace,
    revision: input.revision,
    startedAt: admitted?.admittedAt ?? info.startTime.toISOString(),
    trigger: input.trigger,
    event: input.event ?? {},
  };
  let frame = Frame.root({ inputs: input.inputs, vars: {}, run });
  let failure: TaskFailure | undefined;
  let timedOut = false;
  try {
    frame = computeVars(frame, flow.vars);
    const timeoutMs = flow.timeout ? parseDuration(flow.timeout) : undefined;
    const main = () => runMain(interp, frame);
    failure = timeoutMs === undefined ? await main() : await runWithTimeout(timeoutMs, main, () => (timedOut = true));
  } catch (error) {
    if (isCancellation(error) && !timedOut) {
      state = 'CANCELLED';
      await CancellationScope.nonCancellable(() => runFinally(interp, frame));
      throw error;
    }
    failure = error instanceof TaskFailure ? error : new TaskFailure('(run)', undefined, toTaskError(error));
  }
  // No await without a `finally` block: one promise fewer.
  const finallyFailure = flow.finally?.length ? await runFinally(interp, frame) : undefined;
  failure ??= finallyFailure;
  if (timedOut || failure) {
    state = timedOut ? 'TIMED_OUT' : 'FAILED';
    throw runFailure(ctx, state, timedOut ? `run exceeded its timeout of ${flow.timeout}` : undefined, failure);
  }
  let outputs: Record<string, unknown>;
  try {
    outputs = (flow.outputs ? renderValue(flow.outputs, frame.scope(), 'outputs') : {}) as Record<string, unknown>;
  } catch (error) {
    state = 'FAILED';
    throw runFailure(ctx, state, undefined, new TaskFailure('(outputs)', undefined, toTaskError(error)));
  }
  state = 'COMPLETED';
  return { state: 'COMPLETED', outputs, tasks: ctx.book.all() };
}

function computeVars(frame: Frame, vars: Record<string, unknown> | undefined): Frame {
  if (!vars) return frame;
  let current = frame;
  const computed: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(vars)) {
    computed[name] = renderValue(template, current.scope(), `vars.${name}`);
    current = Frame.withVars(current, { ...computed });
  }
  return current;
}

/** Runs `tasks`, and `errors` when they fail. Returns the failure (the run still ends FAILED). */
async function runMain(interp: Interpreter, frame: Frame): Promise<TaskFailure | undefined> {
  try {
    await interp.runList(interp.ctx.flow.tasks, frame);
    return undefined;
  } catch (error) {
    if (!(error instanceof TaskFailure)) throw error;
    const handlers = interp.ctx.flow.errors;
    if (handlers?.length) {
      const errorFrame = frame.child({ error: { taskId: error.taskId, type: error.error.type, message: error.error.message } });
      try {
        await interp.runList(handlers, errorFrame);
      } catch (handlerError) {
        if (!(handlerError instanceof TaskFailure)) throw handlerError;
      }
    }
    return error;
  }
}

async function runFinally(interp: Interpreter, frame: Frame): Promise<TaskFailure | undefined> {
  const tasks = interp.ctx.flow.finally;
  if (!tasks?.length) return undefined;
  try {
    await interp.runList(tasks, frame);
    return undefined;
  } catch (error) {
    if (error instanceof TaskFailure) return error;
    throw error;
  }
}

function runFailure(ctx: RunContext, state: 'FAILED' | 'TIMED_OUT', message: string | undefined, failure: TaskFailure | undefined): ApplicationFailure {
  const details: FlowRunFailureDetails = {
    state,
    tasks: ctx.book.all(),
    ...(failure ? { failedTask: { id: failure.taskId, ...(failure.iteration ? { iteration: failure.iteration } : {}), error: failure.error } } : {}),
  };
  return ApplicationFailure.create({
    type: state === 'TIMED_OUT' ? RUN_FAILURE_TYPES.timedOut : RUN_FAILURE_TYPES.failed,
    message: message ?? failure?.message ?? 'run failed',
    nonRetryable: true,
    details: [details],
  });
}

export { CancelledFailure };
