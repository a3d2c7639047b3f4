// What a run recorded that a restart may reuse, read from Temporal history with no worker: each
// I/O task run's activity input (its rendered configuration) and result, each subflow's child
// input and result, each approval's answer, each agent task's recorded output, and the same
// inside the run's foreach batches.
// Normal runs pay nothing for restarts: the digests are computed here, from what history holds.

import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { activityConfigDigest, subflowConfigDigest } from '../../core/runs/restart-digest.js';
import { FLOW_RUN, type FlowRunInput, type FlowRunResult, RECORD_TASK_OUTPUT_ACTIVITY, type RecordedTaskOutput } from '../../core/runs/run-types.js';
import { taskTypesByActivity } from '../../core/task-types/registry.js';
import { historyValues } from '../temporal/history-payloads.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** What one task run recorded: the digest of its configuration and its answer. */
export interface RecordedTaskRun {
  digest?: string;
  output: unknown;
}

const TASK_ACTIVITIES = taskTypesByActivity();
const ACTIVITY_ID = /^([A-Za-z_][A-Za-z0-9_]*(?:\[[\d,]+\])?)#(\d+)$/;
const APPROVAL_UPDATE = 'approval:';
/** Most foreach batch histories read for one restart (a 64,000-item foreach). */
const MAX_BATCHES = 64;

/** What a run recorded for a restart: its completed task runs, and the first task run that failed inside a foreach batch. */
export interface RecordedRun {
  taskRuns: Map<string, RecordedTaskRun>;
  /** A batch reports its failure to the run as the foreach's; this is the task run inside it. */
  failedInBatch?: { taskId: string; iteration?: number[] };
}

/**
 * The task runs of a run (and of its foreach batches) that completed, by task run key. Approvals
 * carry no digest here: theirs is on the task run record (`TaskRunRecord.digest`).
 */
export async function recordedTaskRuns(client: Client, runId: string, events: readonly HistoryEvent[]): Promise<RecordedRun> {
  const recorded: RecordedRun = { taskRuns: new Map() };
  const batches = await readHistory(client, runId, events, recorded.taskRuns);
  for (const batchId of batches.slice(0, MAX_BATCHES)) {
    const batchEvents = (await client.workflow.getHandle(batchId).fetchHistory()).events ?? [];
    await readHistory(client, batchId, batchEvents, recorded.taskRuns);
    recorded.failedInBatch ??= await batchFailure(client, batchEvents);
  }
  return recorded;
}

/** The task run a failed foreach batch names in its failure's details (workflows/foreach-batch.ts). */
async function batchFailure(client: Client, events: readonly HistoryEvent[]): Promise<RecordedRun['failedInBatch']> {
  const payloads = events.at(-1)?.workflowExecutionFailedEventAttributes?.failure?.applicationFailureInfo?.details?.payloads;
  if (!payloads?.length) return undefined;
  const details = (await historyValues(client.options.loadedDataConverter, payloads))[0] as { taskId?: unknown; iteration?: unknown } | undefined;
  if (typeof details?.taskId !== 'string') return undefined;
  return { taskId: details.taskId, ...(Array.isArray(details.iteration) ? { iteration: details.iteration as number[] } : {}) };
}

/** Adds what one history recorded to `found`; returns the workflow ids of its foreach batches. */
async function readHistory(client: Client, workflowId: string, events: readonly HistoryEvent[], found: Map<string, RecordedTaskRun>): Promise<string[]> {
  const converter = client.options.loadedDataConverter;
  const decode = async (payloads: readonly unknown[] | null | undefined) => (payloads?.length ? (await historyValues(converter, payloads))[0] : undefined);
  const lastAttempt = new Map<string, { eventId: string; attempt: number; input: readonly unknown[]; recordsOutput: boolean }>();
  const children = new Map<string, { key: string; input: readonly unknown[]; abandon: boolean }>();
  const batches: string[] = [];
  const completed = new Map<string, readonly unknown[]>();
  for (const event of events) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    const activityType = scheduled?.activityType?.name ?? '';
    const recordsOutput = activityType === RECORD_TASK_OUTPUT_ACTIVITY;
    if (scheduled?.activityId && (TASK_ACTIVITIES[activityType] || recordsOutput)) {
      const match = ACTIVITY_ID.exec(scheduled.activityId);
      const attempt = Number(match?.[2]);
      const key = match?.[1];
      if (key && attempt >= (lastAttempt.get(key)?.attempt ?? 0))
        lastAttempt.set(key, { eventId: id, attempt, input: scheduled.input?.payloads ?? [], recordsOutput });
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) completed.set(String(done.scheduledEventId), done.result?.payloads ?? []);
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (child?.workflowId) {
      if (child.workflowType?.name === FLOW_RUN.batchWorkflowType) batches.push(child.workflowId);
      else if (child.workflowType?.name === FLOW_RUN.workflowType && child.workflowId.startsWith(`${workflowId}.`)) {
        // ABANDON: a subflow with `wait: false`, whose task output is the child's id alone.
        children.set(id, { key: child.workflowId.slice(workflowId.length + 1), input: child.input?.payloads ?? [], abandon: child.parentClosePolicy === 2 });
      }
    }
    const childDone = event.childWorkflowExecutionCompletedEventAttributes;
    if (childDone) completed.set(`child:${String(childDone.initiatedEventId)}`, childDone.result?.payloads ?? []);
    const update = event.workflowExecutionUpdateCompletedEventAttributes;
    const updateId = update?.meta?.updateId;
    if (updateId?.startsWith(APPROVAL_UPDATE) && update?.outcome?.success) {
      found.set(updateId.slice(APPROVAL_UPDATE.length), { output: await decode(update.outcome.success.payloads) });
    }
  }
  for (const [key, attempt] of lastAttempt) {
    const result = completed.get(attempt.eventId);
    if (!result) continue;
    const input = await decode(attempt.input);
    // An agent's output was assembled in the workflow; the record names its digest.
    if (attempt.recordsOutput) found.set(key, { digest: (input as RecordedTaskOutput).digest, output: (input as RecordedTaskOutput).output });
    else found.set(key, { digest: activityConfigDigest(input), output: await decode(result) });
  }
  for (const [initiated, child] of children) {
    const input = (await decode(child.input)) as FlowRunInput | undefined;
    if (!input) continue;
    const childId = `${workflowId}.${child.key}`;
    const digest = subflowConfigDigest({ flow: `${input.flow.namespace}/${input.flow.id}`, revision: input.revision, inputs: input.inputs });
    if (child.abandon) {
      found.set(child.key, { digest, output: { runId: childId, state: 'RUNNING', outputs: {} } });
      continue;
    }
    const result = completed.get(`child:${initiated}`);
    if (!result) continue;
    const outcome = (await decode(result)) as FlowRunResult;
    found.set(child.key, { digest, output: { runId: childId, state: outcome.state, outputs: outcome.outputs } });
  }
  return batches;
}
