// Starting and inspecting runs through a Temporal client. The service layer (registry issue)
// wraps these; tests and the CLI use them directly for now.

import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FlowValidationError, WeftError } from '../../core/errors.js';
import { resolveInputs } from '../../core/runs/run-inputs.js';
import { type ExecutionStatusName, runStateOf } from '../../core/runs/run-state.js';
import {
  APPROVAL_ALREADY_DECIDED,
  type ApprovalDecision,
  type ApprovalOutput,
  type ApprovalResponse,
  approvalUpdateId,
  FLOW_RUN,
  type FlowRunFailureDetails,
  type FlowRunInput,
  type FlowRunResult,
  type PendingApproval,
  type RunState,
  type TaskError,
  type TaskRunRecord,
  type TaskRunsPage,
  taskRunKey,
} from '../../core/runs/run-types.js';
import { runSearchAttributes } from '../../core/runs/search-attributes.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { endedTasks, timelineFromHistory } from './history-timeline.js';

export interface StartRunOptions {
  flow: FlowSpec;
  revision?: number;
  inputs?: Record<string, unknown>;
  /** Weft's run id (the Temporal workflow id); generated when absent. */
  runId?: string;
  taskQueue: string;
  trigger?: string;
}

/** A run as clients see it, running or finished. */
export interface RunView {
  runId: string;
  state: RunState;
  outputs?: Record<string, unknown>;
  tasks: TaskRunRecord[];
  error?: { taskId?: string; iteration?: number[]; type: string; message: string };
  pendingApprovals: PendingApproval[];
}

export async function startRun(client: Client, options: StartRunOptions): Promise<{ runId: string }> {
  const resolved = resolveInputs(options.flow, options.inputs ?? {});
  if (!resolved.valid) throw new FlowValidationError(resolved.problems, 'run inputs');
  const runId = options.runId ?? `${options.flow.namespace}.${options.flow.id}-${randomUUID()}`;
  const revision = options.revision ?? 0;
  const input: FlowRunInput = { flow: options.flow, revision, inputs: resolved.inputs, trigger: options.trigger ?? 'api' };
  await client.workflow.start(FLOW_RUN.workflowType, {
    taskQueue: options.taskQueue,
    workflowId: runId,
    args: [input],
    typedSearchAttributes: runSearchAttributes(options.flow, revision),
    staticSummary: `${options.flow.namespace}/${options.flow.id}${revision ? ` rev ${revision}` : ''}`,
  });
  return { runId };
}

/** Waits for the run to close and returns its final view. */
export async function waitForRun(client: Client, runId: string): Promise<RunView> {
  const handle = client.workflow.getHandle(runId);
  try {
    const result = (await handle.result()) as FlowRunResult;
    return { runId, state: 'COMPLETED', outputs: result.outputs, tasks: result.tasks, pendingApprovals: [] };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return finishedView(client, runId, error);
  }
}

async function finishedView(client: Client, runId: string, error: WorkflowFailedError): Promise<RunView> {
  const description = await client.workflow.getHandle(runId).describe();
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.details?.[0]) {
    const details = cause.details[0] as FlowRunFailureDetails;
    const failed = details.failedTask;
    return {
      runId,
      state: runStateOf(description.status.name as ExecutionStatusName, cause.type ?? undefined),
      tasks: details.tasks,
      error: failed
        ? { taskId: failed.id, ...(failed.iteration ? { iteration: failed.iteration } : {}), ...failed.error }
        : { type: cause.type ?? 'Error', message: cause.message },
      pendingApprovals: [],
    };
  }
  // Cancelled or terminated: no timeline in the failure. The worker replays the run (every task
  // type); with none, history gives the I/O tasks. Tasks the run stopped show as it left them.
  const status = description.status.name as ExecutionStatusName;
  const timeline = await queryTasks(client, runId).catch(async () => timelineFromHistory((await client.workflow.getHandle(runId).fetchHistory()).events ?? []));
  const tasks = endedTasks(timeline, status, description.closeTime?.toISOString());
  const taskError: TaskError = { type: cause?.name ?? 'Error', message: cause?.message ?? error.message };
  return { runId, state: runStateOf(status), tasks, error: taskError, pendingApprovals: [] };
}

/** The live view of a running run through the paged query (needs a worker). */
export async function getRunningView(client: Client, runId: string): Promise<RunView> {
  const handle = client.workflow.getHandle(runId);
  const first = await handle.query<TaskRunsPage, [{ offset: number; limit: number }]>(FLOW_RUN.taskRunsQuery, { offset: 0, limit: 500 });
  const tasks = [...first.tasks];
  while (tasks.length < first.total) {
    const page = await handle.query<TaskRunsPage, [{ offset: number; limit: number }]>(FLOW_RUN.taskRunsQuery, { offset: tasks.length, limit: 500 });
    if (page.tasks.length === 0) break;
    tasks.push(...page.tasks);
  }
  return { runId, state: first.state, tasks, pendingApprovals: first.pendingApprovals };
}

async function queryTasks(client: Client, runId: string): Promise<TaskRunRecord[]> {
  return (await getRunningView(client, runId)).tasks;
}

/**
 * Answers a pending approval. The update id derives from task and iteration, so a repeat of the
 * same answer is the same update; a different answer to a decided approval gets that decision
 * back (from the server's record of the update, or from the run's validator) and is refused.
 */
export async function respondToApproval(client: Client, runId: string, response: ApprovalResponse): Promise<ApprovalOutput> {
  const handle = client.workflow.getHandle(runId);
  const key = taskRunKey(response.taskId, response.iteration);
  let answer: ApprovalOutput;
  try {
    const update = await handle.startUpdate<ApprovalOutput, [ApprovalResponse]>(FLOW_RUN.approvalUpdate, {
      args: [response],
      updateId: approvalUpdateId(response.taskId, response.iteration),
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    answer = await update.result();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type === APPROVAL_ALREADY_DECIDED) {
        const decision = decisionOf(cause.details?.[0]);
        if (decision) throw new ApprovalAlreadyDecidedError(runId, key, decision);
      }
      throw new ApprovalNotAcceptedError(runId, cause?.message ?? error.message);
    }
    throw error;
  }
  // The server hands an earlier update's result to a later call with the same update id.
  if (!sameAnswer(answer, response)) throw new ApprovalAlreadyDecidedError(runId, key, decisionOf(answer) ?? answer);
  return answer;
}

function sameAnswer(answer: ApprovalOutput, response: ApprovalResponse): boolean {
  return (
    answer.approved === response.approved &&
    answer.by === response.by &&
    answer.comment === (response.comment ?? null) &&
    JSON.stringify(answer.data) === JSON.stringify(response.data ?? {})
  );
}

function decisionOf(value: unknown): ApprovalDecision | undefined {
  const v = value as Partial<ApprovalDecision> | null | undefined;
  if (!v || typeof v.approved !== 'boolean' || typeof v.by !== 'string' || typeof v.respondedAt !== 'string') return undefined;
  return { approved: v.approved, by: v.by, respondedAt: v.respondedAt };
}

/** Thrown when a run refuses an approval answer (nothing waiting, wrong approver, invalid data). */
export class ApprovalNotAcceptedError extends WeftError {
  constructor(
    readonly runId: string,
    reason: string,
  ) {
    super('APPROVAL_NOT_ACCEPTED', `run ${runId} did not accept the answer: ${reason}`, {
      hint: 'check the pending approvals of the run (taskId, iteration, fields)',
    });
  }
}

/** Thrown when an approval already has a decision: the run keeps the first answer. */
export class ApprovalAlreadyDecidedError extends WeftError {
  readonly decision: ApprovalDecision;

  constructor(
    readonly runId: string,
    readonly approval: string,
    decision: ApprovalDecision,
  ) {
    const verb = decision.approved ? 'approved' : 'rejected';
    super('APPROVAL_ALREADY_DECIDED', `approval ${approval} of run ${runId} was already ${verb} by ${decision.by} at ${decision.respondedAt}`, {
      hint: `the run keeps the first answer; see get_run (or weft run get ${runId}) for where it is now`,
    });
    this.decision = { approved: decision.approved, by: decision.by, respondedAt: decision.respondedAt };
  }
}

export async function cancelRun(client: Client, runId: string): Promise<void> {
  await client.workflow.getHandle(runId).cancel();
}
