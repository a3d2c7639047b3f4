// Starting and reading runs through a Temporal client, under RunService. `launchRun` is the one
// place a flow run's workflow is started: memo, search attributes, summary and idempotency are
// set here for every run. Adapters go through RunService; `startRun` and `waitForRun` serve
// the tests and the history recorder, which run flows on a bare worker without a flow catalog.

import { createHash, randomUUID } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure, type TypedSearchAttributes } from '@temporalio/common';
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
  type TaskRunRecord,
  type TaskRunsPage,
  taskRunKey,
} from '../../core/runs/run-types.js';
import { runSearchAttributes, WEFT_FLOW, WEFT_TRIGGER } from '../../core/runs/search-attributes.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTaskDefaults } from '../../core/task-types/flow-defaults.js';
import { recordRunStarted } from '../telemetry/weft-metrics.js';
import { ApprovalAlreadyDecidedError, ApprovalNotAcceptedError, RunAlreadyEndedError } from './approval-errors.js';
import { endedTasks, timelineFromHistory } from './history-timeline.js';
import type { LiveRun, RunError, RunView } from './run-detail.js';

export { ApprovalAlreadyDecidedError, ApprovalNotAcceptedError, RunAlreadyEndedError } from './approval-errors.js';
export type { LiveRun, RunView } from './run-detail.js';

/** Memo keys of every run Weft starts. */
export const RUN_MEMO = {
  /** A hash of the run's inputs, to tell an idempotent repeat from a conflicting one. */
  inputsHash: 'weftInputsHash',
  /** What the run runs: `declarative` (the interpreter), `code` or `temporal`. */
  kind: 'weftKind',
} as const;

/** Thrown when an idempotency key names a run that was started with other inputs. */
export class IdempotencyConflictError extends WeftError {
  constructor(readonly runId: string) {
    super('IDEMPOTENCY_CONFLICT', `idempotency key already started run ${runId} with different inputs`, {
      hint: 'use a new idempotencyKey for different inputs, or repeat the original inputs to attach to that run',
    });
  }
}

/** Everything a start of a run's workflow needs, checked by the caller. */
export interface RunLaunch {
  /** Weft's run id (the Temporal workflow id). */
  runId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  /** The checked inputs; their hash goes into the memo. */
  inputs: Record<string, unknown>;
  kind: 'declarative' | 'code' | 'temporal';
  searchAttributes: TypedSearchAttributes;
  /** One line the Temporal Web UI shows for the run. */
  summary: string;
  /** The run id came from an idempotency key: a repeat with the same inputs attaches (`started: false`). */
  idempotent: boolean;
}

/** Starts a run's workflow; with `idempotent`, a repeat attaches to the first run or is refused when its inputs differ. */
export async function launchRun(client: Client, launch: RunLaunch): Promise<{ runId: string; started: boolean }> {
  const inputsHash = createHash('sha256').update(canonicalJson(launch.inputs)).digest('hex');
  try {
    await client.workflow.start(launch.workflowType, {
      taskQueue: launch.taskQueue,
      workflowId: launch.runId,
      args: launch.args,
      typedSearchAttributes: launch.searchAttributes,
      memo: { [RUN_MEMO.inputsHash]: inputsHash, [RUN_MEMO.kind]: launch.kind },
      staticSummary: launch.summary,
      // A key names one run for as long as Temporal keeps it, even after it closed.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    recordRunStarted(launch.searchAttributes.get(WEFT_FLOW) ?? launch.workflowType, launch.searchAttributes.get(WEFT_TRIGGER) ?? 'api');
    return { runId: launch.runId, started: true };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError) || !launch.idempotent) throw error;
    const existing = await client.workflow.getHandle(launch.runId).describe();
    if (existing.memo?.[RUN_MEMO.inputsHash] !== inputsHash) throw new IdempotencyConflictError(launch.runId);
    return { runId: launch.runId, started: false };
  }
}

/** The launch of a flow document's run: inputs resolved against the flow's declarations. */
export function flowRunLaunch(
  options: {
    flow: FlowSpec;
    revision: number;
    inputs: Record<string, unknown>;
    taskQueue: string;
    trigger: string;
    event?: Record<string, unknown>;
    runId: string;
    idempotent: boolean;
  },
  extra: Pick<FlowRunInput, 'rights' | 'downstream'> = {},
): RunLaunch {
  const { flow, revision } = options;
  const resolved = resolveInputs(flow, options.inputs);
  if (!resolved.valid) throw new FlowValidationError(resolved.problems, 'run inputs');
  const input: FlowRunInput = {
    flow,
    revision,
    inputs: resolved.inputs,
    trigger: options.trigger,
    ...(options.event ? { event: options.event } : {}),
    ...extra,
    taskDefaults: flowTaskDefaults(flow),
  };
  const ref = `${flow.namespace}/${flow.id}`;
  return {
    runId: options.runId,
    workflowType: FLOW_RUN.workflowType,
    taskQueue: options.taskQueue,
    args: [input],
    inputs: resolved.inputs,
    kind: 'declarative',
    searchAttributes: runSearchAttributes(flow, revision, options.trigger),
    // Revision 0 is a flow run from a file without being saved.
    summary: `${ref}${revision ? ` rev ${revision}` : ' (unsaved)'}`,
    idempotent: options.idempotent,
  };
}

export interface StartRunOptions {
  flow: FlowSpec;
  revision?: number;
  inputs?: Record<string, unknown>;
  /** Weft's run id (the Temporal workflow id); generated when absent. */
  runId?: string;
  taskQueue: string;
  trigger?: string;
  /** The run ends by firing the flow triggers that listen to its flow (FlowRunInput.downstream). */
  downstream?: boolean;
}

/** Starts a run of a flow on a task queue, without the flow catalog (tests, the history recorder). */
export async function startRun(client: Client, options: StartRunOptions): Promise<{ runId: string }> {
  const launch = flowRunLaunch(
    {
      flow: options.flow,
      revision: options.revision ?? 0,
      inputs: options.inputs ?? {},
      taskQueue: options.taskQueue,
      trigger: options.trigger ?? 'api',
      runId: options.runId ?? `${options.flow.namespace}.${options.flow.id}-${randomUUID()}`,
      idempotent: false,
    },
    options.downstream ? { downstream: true } : {},
  );
  return launchRun(client, launch);
}

/** Waits for the run to close and returns what it ended with. */
export async function waitForRun(client: Client, runId: string): Promise<RunView> {
  const handle = client.workflow.getHandle(runId);
  try {
    const result = (await handle.result()) as FlowRunResult;
    return { runId, state: 'COMPLETED', outputs: result.outputs, tasks: result.tasks, approvals: [] };
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
      approvals: [],
    };
  }
  // Cancelled or terminated: no timeline in the failure. The worker replays the run (every task
  // type); with none, history gives the I/O tasks. Tasks the run stopped show as it left them.
  const status = description.status.name as ExecutionStatusName;
  const timeline = await queryTasks(client, runId).catch(async () => timelineFromHistory((await client.workflow.getHandle(runId).fetchHistory()).events ?? []));
  const tasks = endedTasks(timeline, status, description.closeTime?.toISOString());
  const runError: RunError = { type: cause?.name ?? 'Error', message: cause?.message ?? error.message };
  return { runId, state: runStateOf(status), tasks, error: runError, approvals: [] };
}

/** Where a running run is, through the paged query (needs a worker; a closed run is replayed). */
export async function getRunningView(client: Client, runId: string): Promise<LiveRun> {
  const handle = client.workflow.getHandle(runId);
  const first = await handle.query<TaskRunsPage, [{ offset: number; limit: number }]>(FLOW_RUN.taskRunsQuery, { offset: 0, limit: 500 });
  const tasks = [...first.tasks];
  while (tasks.length < first.total) {
    const page = await handle.query<TaskRunsPage, [{ offset: number; limit: number }]>(FLOW_RUN.taskRunsQuery, { offset: tasks.length, limit: 500 });
    if (page.tasks.length === 0) break;
    tasks.push(...page.tasks);
  }
  return { runId, state: first.state, tasks, approvals: first.pendingApprovals, ...(first.waitingFor ? { waitingFor: first.waitingFor } : {}) };
}

async function queryTasks(client: Client, runId: string): Promise<TaskRunRecord[]> {
  return (await getRunningView(client, runId)).tasks;
}

/** JSON with object keys sorted, so equal inputs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
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
    throw (await endedRunError(client, runId, key)) ?? error;
  }
  // The server hands an earlier update's result to a later call with the same update id.
  if (!sameAnswer(answer, response)) throw new ApprovalAlreadyDecidedError(runId, key, decisionOf(answer) ?? answer);
  return answer;
}

/**
 * Why an update did not reach the run when the run has closed: Temporal answers an update to a
 * closed run as "not found" (an update id it already completed still gets its recorded result),
 * which callers would otherwise see as an unexpected failure. Undefined when the run is open or
 * gone, so the original error stands.
 */
async function endedRunError(client: Client, runId: string, approval: string): Promise<RunAlreadyEndedError | undefined> {
  const description = await client.workflow
    .getHandle(runId)
    .describe()
    .catch(() => undefined);
  if (!description) return undefined;
  const state = runStateOf(description.status.name as ExecutionStatusName);
  return state === 'RUNNING' ? undefined : new RunAlreadyEndedError(runId, state, approval);
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

export async function cancelRun(client: Client, runId: string): Promise<void> {
  await client.workflow.getHandle(runId).cancel();
}
