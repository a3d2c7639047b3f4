// Starting and inspecting runs through a Temporal client. The service layer (registry issue)
// wraps these; tests and the CLI use them directly for now.

import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { runSearchAttributes } from '../../workflows/search-attributes.js';
import { FlowValidationError, WeftError } from '../errors.js';
import type { FlowSpec } from '../spec/flow-spec.js';
import { resolveInputs } from './run-inputs.js';
import { type ExecutionStatusName, runStateOf } from './run-state.js';
import {
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
} from './run-types.js';

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
  const tasks = await queryTasks(client, runId).catch(() => [] as TaskRunRecord[]);
  const taskError: TaskError = { type: cause?.name ?? 'Error', message: cause?.message ?? error.message };
  return { runId, state: runStateOf(description.status.name as ExecutionStatusName), tasks, error: taskError, pendingApprovals: [] };
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

/** Answers a pending approval. The update id derives from task and iteration, so a repeat is the same answer. */
export async function respondToApproval(client: Client, runId: string, response: ApprovalResponse): Promise<ApprovalOutput> {
  const handle = client.workflow.getHandle(runId);
  try {
    const update = await handle.startUpdate<ApprovalOutput, [ApprovalResponse]>(FLOW_RUN.approvalUpdate, {
      args: [response],
      updateId: approvalUpdateId(response.taskId, response.iteration),
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    return await update.result();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new ApprovalNotAcceptedError(runId, error.cause?.message ?? error.message);
    throw error;
  }
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

export async function cancelRun(client: Client, runId: string): Promise<void> {
  await client.workflow.getHandle(runId).cancel();
}
