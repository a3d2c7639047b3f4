// Weft's helpers for code-first flows: Temporal workflow functions written in TypeScript that
// get the same inspection as declarative flows. `weftRun()` installs the run's live task
// timeline, output and approval handlers (the same query and update names the interpreter
// uses), and gives steps, logs and approvals with Weft's conventions:
//
//   export async function orderReport(input: { day: string }) {
//     const weft = weftRun();
//     const orders = await weft.step('fetch', (a: Acts) => a.fetchOrders(input.day), { retry: { maxAttempts: 3 } });
//     await weft.log(`fetched ${orders.length} orders`);
//     const answer = await weft.approval('ship', { message: `Ship ${orders.length} orders?`, approvers: 'any' });
//     return { shipped: answer.approved ? orders.length : 0 };
//   }
//
// Workflow code: deterministic, imports only the workflow SDK and Weft's pure modules.

import { isCancellation, proxyActivities, proxyLocalActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ApprovalOutput, TaskRunRecord } from '../src/core/runs/run-types.js';
import { taskRunKey } from '../src/core/runs/run-types.js';
import { WEFT_FLOW } from '../src/core/runs/search-attributes.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { ApprovalTask, FlowSpec, RetryPolicy } from '../src/core/spec/flow-spec.js';
import { checkApprovalResponse, recordApprovalResponse, runApproval } from './approval.js';
import { approvalUpdate, taskOutputQuery, taskRunsQuery } from './flow-run.js';
import { Frame } from './frame.js';
import { backoffMs, resolveRetry } from './retry-policy.js';
import { RunContext, type WeftActivities } from './run-context.js';
import { toTaskError } from './task-failure.js';
import { noticeTaskEnded, noticeTaskStarted, type ObservedRun } from './task-observers.js';

export interface StepOptions {
  /** Per-attempt limit, e.g. `30s` (default 10m). */
  timeout?: string;
  /** Weft retry policy: attempts counted per step, backoff between them. */
  retry?: RetryPolicy;
}

export interface ApprovalOptions {
  message: string;
  approvers?: 'human' | 'any';
  /** Flat JSON Schema object of data to collect with the answer. */
  fields?: Record<string, unknown>;
  timeout?: string;
  onTimeout?: 'fail' | 'approve' | 'reject';
  onReject?: 'fail' | 'continue';
}

export interface WeftRun {
  readonly runId: string;
  /** Runs one step: `call` gets activity stubs whose id names the step, so the timeline shows it. */
  step<A, T>(id: string, call: (activities: A) => Promise<T>, options?: StepOptions): Promise<T>;
  /** Writes a line to the run's logs. */
  log(message: string, level?: 'debug' | 'info' | 'warn' | 'error', stepId?: string): Promise<void>;
  /** Waits for the same approval answer an `approval` task waits for. */
  approval(id: string, options: ApprovalOptions): Promise<ApprovalOutput>;
}

const DEFAULT_STEP_TIMEOUT = '10m';
let current: WeftRun | undefined;

/** The run's helpers; the first call in a workflow installs its query and update handlers. */
export function weftRun(): WeftRun {
  const info = workflowInfo();
  if (current && current.runId === info.workflowId) return current;
  const flow: FlowSpec = { id: info.workflowType, namespace: 'code', tasks: [] };
  // No task events: a code flow has no end-of-run hook that would write the last of them.
  const ctx = new RunContext(info.workflowId, flow, 0, 0, undefined, false);
  setHandler(taskRunsQuery, (query) => {
    const page = ctx.book.page(query?.offset, query?.limit);
    return {
      state: ctx.book.approvals.size > 0 ? 'WAITING' : 'RUNNING',
      offset: query?.offset ?? 0,
      ...page,
      pendingApprovals: [...ctx.book.approvals.values()],
    };
  });
  setHandler(taskOutputQuery, ({ taskId, iteration }) => {
    const key = taskRunKey(taskId, iteration);
    return ctx.outputs.has(key) ? { found: true, output: ctx.outputs.get(key) } : { found: false };
  });
  setHandler(approvalUpdate, (response) => recordApprovalResponse(ctx, response), { validator: (response) => checkApprovalResponse(ctx, response) });
  const local = proxyLocalActivities<WeftActivities>({ startToCloseTimeout: '30s' });
  // Observers (task spans) name the run as its start did: the catalog's flow, not the workflow type.
  const observed: ObservedRun = { runId: info.workflowId, flow: info.typedSearchAttributes.get(WEFT_FLOW) ?? `code/${info.workflowType}` };
  let logLines = 0;
  const run: WeftRun = {
    runId: info.workflowId,
    async step<A, T>(id: string, call: (activities: A) => Promise<T>, options: StepOptions = {}): Promise<T> {
      const record = ctx.book.start(id, 'step', undefined);
      const policy = resolveRetry(undefined, options.retry);
      const timeout = parseDuration(options.timeout ?? DEFAULT_STEP_TIMEOUT) ?? 600_000;
      const task = { id, type: 'step', iteration: undefined };
      for (let attempt = 1; ; attempt++) {
        record.attempts = attempt;
        noticeTaskStarted(observed, task, attempt);
        try {
          // One attempt is one activity: Temporal does not retry it, Weft's policy does.
          const activities = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({
            activityId: `${id}#${attempt}`,
            startToCloseTimeout: timeout,
            retry: { maximumAttempts: 1 },
          }) as unknown as A;
          const output = await call(activities);
          ctx.outputs.set(id, output);
          ctx.book.finish(record, 'COMPLETED');
          noticeTaskEnded(observed, task, 'COMPLETED', attempt);
          return output;
        } catch (error) {
          if (isCancellation(error)) {
            ctx.book.finish(record, 'CANCELLED');
            noticeTaskEnded(observed, task, 'CANCELLED', attempt);
            throw error;
          }
          const taskError = toTaskError(error);
          if (attempt >= policy.maxAttempts || policy.nonRetryable.has(taskError.type)) {
            ctx.book.finish(record, 'FAILED', taskError);
            noticeTaskEnded(observed, task, 'FAILED', attempt);
            throw error;
          }
          ctx.book.set(record, 'RETRYING');
          await sleep(backoffMs(policy, attempt));
          ctx.book.set(record, 'RUNNING');
        }
      }
    },
    async log(message, level = 'info', stepId = '(flow)') {
      logLines += 1;
      await local.writeLogs([
        {
          id: `${info.workflowId}|${stepId}|code|${logLines}`,
          runId: info.workflowId,
          flow: '',
          taskId: stepId,
          attempt: 1,
          level,
          message,
          time: new Date().toISOString(),
        },
      ]);
    },
    async approval(id, options) {
      const record: TaskRunRecord = ctx.book.start(id, 'approval', undefined);
      const task: ApprovalTask = { id, type: 'approval', ...options };
      const seen = { id, type: 'approval', iteration: undefined };
      noticeTaskStarted(observed, seen, 1);
      try {
        const output = (await runApproval(ctx, task, Frame.root({ inputs: {}, vars: {}, run: { id: info.workflowId } }), record)) as ApprovalOutput;
        ctx.outputs.set(id, output);
        ctx.book.finish(record, 'COMPLETED');
        noticeTaskEnded(observed, seen, 'COMPLETED', 1);
        return output;
      } catch (error) {
        ctx.book.finish(record, isCancellation(error) ? 'CANCELLED' : 'FAILED', isCancellation(error) ? undefined : toTaskError(error));
        noticeTaskEnded(observed, seen, isCancellation(error) ? 'CANCELLED' : 'FAILED', 1);
        throw error;
      }
    },
  };
  current = run;
  return run;
}
