// How a run is shown to an assistant: a bounded timeline (failures and live tasks first when
// it must be cut), outputs cut to a budget, pending approvals, and where the rest is. The
// schemas describe the service's run detail (src/services/runs/run-detail.ts); the checks at
// the end of this file fail the build when a field is added on one side and not the other.

import { z } from 'zod';
import type { PendingApproval, TaskRunRecord } from '../src/core/runs/run-types.js';
import type { RunDetail, RunError, TaskOutputPage } from '../src/services/run-service.js';
import { fitObject, OUTPUTS_BUDGET_BYTES } from './budget.js';

/** Task runs shown by `get_run` in summary mode; `detail: full` pages through all of them. */
export const SUMMARY_TASKS = 50;
export const FULL_TASK_PAGE = 100;

export const TaskRunView = z.object({
  id: z.string(),
  type: z.string(),
  state: z.string(),
  attempts: z.number(),
  iteration: z.array(z.number()).optional(),
  allowedFailure: z.boolean().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
  progress: z.object({ done: z.number(), total: z.number() }).optional(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number().optional() }).optional(),
  reusedFrom: z.string().optional(),
  cachedFrom: z.object({ runId: z.string(), taskId: z.string(), iteration: z.array(z.number()).optional(), at: z.string() }).optional(),
  waitingFor: z.string().optional(),
  worker: z.string().optional(),
  steps: z.array(z.object({ step: z.number(), tool: z.string(), state: z.string(), startedAt: z.string(), endedAt: z.string().optional() })).optional(),
});
export type TaskRunView = z.infer<typeof TaskRunView>;

export const ApprovalView = z.object({
  taskId: z.string(),
  iteration: z.array(z.number()).optional(),
  step: z.number().optional(),
  message: z.string(),
  approvers: z.enum(['human', 'any']),
  fields: z.record(z.string(), z.unknown()).optional(),
  requestedAt: z.string().optional(),
  expiresAt: z.string().optional(),
});

/** One page of a task run's output as JSON text; `value` too when the whole output fits one page. */
export const TaskOutputView = z.object({
  taskId: z.string(),
  iteration: z.array(z.number()).optional(),
  found: z.boolean(),
  value: z.unknown().optional(),
  text: z.string().optional(),
  totalBytes: z.number().optional(),
  offset: z.number().optional(),
  nextCursor: z.string().optional(),
  note: z.string().optional(),
});

export const RunErrorView = z.object({ taskId: z.string().optional(), type: z.string(), message: z.string() });

export function taskRunView(task: TaskRunRecord): TaskRunView {
  const started = task.startedAt ? Date.parse(task.startedAt) : Number.NaN;
  const ended = task.endedAt ? Date.parse(task.endedAt) : Number.NaN;
  return {
    id: task.id,
    type: task.type,
    state: task.state,
    attempts: task.attempts,
    iteration: task.iteration,
    allowedFailure: task.allowedFailure,
    startedAt: task.startedAt,
    endedAt: task.endedAt,
    durationMs: Number.isNaN(started) || Number.isNaN(ended) ? undefined : ended - started,
    error: task.error,
    progress: task.progress,
    usage: task.usage,
    reusedFrom: task.reusedFrom,
    cachedFrom: task.cachedFrom,
    waitingFor: task.waitingFor,
    worker: task.worker,
    steps: task.steps,
  };
}

export function approvalView(approval: PendingApproval): z.infer<typeof ApprovalView> {
  return {
    taskId: approval.taskId,
    iteration: approval.iteration,
    step: approval.step,
    message: approval.message,
    approvers: approval.approvers,
    fields: approval.fields,
    requestedAt: approval.requestedAt,
    expiresAt: approval.expiresAt,
  };
}

/** The summary timeline: everything when small; otherwise unfinished and failed runs first, then the latest. */
export function summaryTimeline(tasks: readonly TaskRunRecord[]): { tasks: TaskRunView[]; cut: boolean } {
  if (tasks.length <= SUMMARY_TASKS) return { tasks: tasks.map(taskRunView), cut: false };
  const notable = tasks.filter((t) => t.state !== 'COMPLETED' && t.state !== 'SKIPPED' && t.state !== 'CACHED');
  const chosen = new Set(notable.slice(0, SUMMARY_TASKS));
  for (let i = tasks.length - 1; i >= 0 && chosen.size < SUMMARY_TASKS; i--) chosen.add(tasks[i] as TaskRunRecord);
  return { tasks: tasks.filter((t) => chosen.has(t)).map(taskRunView), cut: true };
}

export function boundedOutputs(outputs: Record<string, unknown> | undefined): { outputs?: Record<string, unknown>; cut: boolean } {
  if (!outputs) return { cut: false };
  const fitted = fitObject(outputs, OUTPUTS_BUDGET_BYTES);
  return { outputs: fitted.value, cut: fitted.truncated };
}

export function runErrorView(detail: RunDetail): z.infer<typeof RunErrorView> | undefined {
  if (!detail.error) return undefined;
  const { taskId, type, message } = detail.error;
  return { taskId, type, message };
}

/** One line saying where a run is: state, progress, the failing task, what is waiting. */
export function runSummaryLine(detail: RunDetail): string {
  const done = detail.tasks.filter((t) => t.state === 'COMPLETED' || t.state === 'SKIPPED' || t.state === 'CACHED').length;
  const parts = [`run ${detail.runId} (${detail.flow}) ${detail.state}`, `${done}/${detail.tasks.length} tasks done`];
  if (detail.error) parts.push(`error${detail.error.taskId ? ` in ${detail.error.taskId}` : ''}: ${detail.error.type}: ${detail.error.message}`);
  for (const approval of detail.approvals) parts.push(`waiting for approval ${approval.taskId} (${approval.approvers})`);
  if (detail.usage) {
    const cost = detail.usage.costUsd !== undefined ? `, ~$${detail.usage.costUsd.toFixed(4)}` : '';
    parts.push(`model tokens ${detail.usage.inputTokens} in / ${detail.usage.outputTokens} out${cost}`);
  }
  return parts.join('; ');
}

/**
 * Compile-time agreement of a view with the service type it shows: `true` when both have the same
 * fields, else a type naming the fields only one side has (so the assignment below fails).
 */
type SameFields<View, Service> = [Exclude<keyof View, keyof Service>, Exclude<keyof Service, keyof View>] extends [never, never]
  ? true
  : { onlyInView: Exclude<keyof View, keyof Service>; onlyInService: Exclude<keyof Service, keyof View> };

// `cached` is left out on purpose: the task run's state (CACHED) says it; `digest` is for restarts
// only. `durationMs` is derived.
const taskRunFields: SameFields<TaskRunView, Omit<TaskRunRecord, 'cached' | 'digest'> & { durationMs?: number }> = true;
const approvalFields: SameFields<z.infer<typeof ApprovalView>, PendingApproval> = true;
// The failing iteration is left out of the error to keep tools/list small: the timeline shows
// the FAILED task run with its iteration.
const runErrorFields: SameFields<z.infer<typeof RunErrorView>, Omit<RunError, 'iteration'>> = true;
const taskOutputFields: SameFields<z.infer<typeof TaskOutputView>, TaskOutputPage> = true;
/** The run fields `get_run` shows as they are (the rest are cut to budgets or shaped above). */
const runFields: SameFields<
  Pick<RunDetail, 'runId' | 'flow' | 'revision' | 'state' | 'startedAt' | 'endedAt' | 'usage' | 'trigger' | 'waitingFor' | 'restartOf' | 'restarts'>,
  Omit<RunDetail, 'inputs' | 'outputs' | 'taskOutputs' | 'error' | 'tasks' | 'approvals' | 'event'>
> = true;
void [taskRunFields, approvalFields, runErrorFields, taskOutputFields, runFields];
