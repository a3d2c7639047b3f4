// Worker groups as the run service sees them: the named queues a flow's tasks need and whether a
// worker polls them (Temporal's DescribeTaskQueue), and what a task run shows of its queue: PENDING
// while its activity waits for a worker of its group, and the worker that ran it.

import type { WorkflowService } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ValidationProblem } from '../../core/errors.js';
import type { TaskRunRecord } from '../../core/runs/run-types.js';
import { RECORD_TASK_OUTPUT_ACTIVITY, taskRunKey } from '../../core/runs/run-types.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import { namedTaskQueue, queueNameOf, taskQueues } from '../../core/spec/task-queues.js';
import { taskTypeOf } from '../../core/task-types/registry.js';
import { livePollers, shortWorkerIdentity } from '../temporal/store-identity.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type PendingActivity = proto.temporal.api.workflow.v1.IPendingActivityInfo;

const { PendingActivityState } = proto.temporal.api.enums.v1;
const ACTIVITY_ID = /^(.+)#\d+$/;

/** A named queue some of a flow's tasks run their activities on, and the paths of those tasks. */
export interface QueueNeed {
  queue: string;
  paths: string[];
}

/** The named queues a flow's activities go to (flow-spec `queue`), with the tasks that use each; tasks that run no activity need none. */
export function neededQueues(flow: FlowSpec): QueueNeed[] {
  const queues = taskQueues(flow);
  const needs = new Map<string, string[]>();
  for (const { task, path } of flowTasks(flow)) {
    const queue = queues.get(task.id);
    const info = taskTypeOf(task.type);
    if (queue === undefined || !(info.activity || info.runsActivities)) continue;
    needs.set(queue, [...(needs.get(queue) ?? []), path]);
  }
  return [...needs].map(([queue, paths]) => ({ queue, paths }));
}

/** Where Temporal is asked about pollers: the service, the namespace, Weft's own task queue. */
export interface PollerSource {
  service: WorkflowService;
  namespace: string;
  taskQueue: string;
}

/**
 * A warning per named queue of the flow that no live worker polls: its tasks would wait PENDING
 * until one starts. A queue Temporal cannot describe is a warning too, saying so.
 */
export async function queueWarnings(source: PollerSource, flow: FlowSpec): Promise<ValidationProblem[]> {
  const warnings: ValidationProblem[] = [];
  for (const { queue, paths } of neededQueues(flow)) {
    const taskQueue = namedTaskQueue(source.taskQueue, queue);
    const path = paths[0] ?? 'queue';
    const tasks = paths.length === 1 ? path : `${paths.length} tasks (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''})`;
    try {
      const pollers = await livePollers(source.service, source.namespace, taskQueue, 'activity');
      if (pollers.length > 0) continue;
      warnings.push({
        path,
        message: `no worker polls queue ${queue} (Temporal task queue ${taskQueue}): ${tasks} would wait PENDING until one starts`,
        hint: `start one with: weft worker --queue ${queue}`,
      });
    } catch (error) {
      warnings.push({ path, message: `the workers of queue ${queue} (Temporal task queue ${taskQueue}) could not be checked: ${(error as Error).message}` });
    }
  }
  return warnings;
}

/**
 * A warning when no live worker polls the workflow task queue a registered workflow runs on:
 * its runs would wait without a word until one starts. Undefined when one polls.
 */
export async function workflowQueueWarning(source: Omit<PollerSource, 'taskQueue'>, taskQueue: string, workflowType: string): Promise<string | undefined> {
  try {
    const pollers = await livePollers(source.service, source.namespace, taskQueue, 'workflow');
    if (pollers.length > 0) return undefined;
    return `no worker polls task queue ${taskQueue}, where workflow ${workflowType} runs: the run waits until a worker for it starts`;
  } catch (error) {
    return `the workers of task queue ${taskQueue} could not be checked: ${(error as Error).message}`;
  }
}

/**
 * The task runs with what history and the pending activities say of their workers: `worker`, the
 * identity of the worker that ran (or runs) the last attempt, and PENDING with `waitingFor` for a
 * running task whose activity on a named queue no worker has picked up yet.
 */
export function withWorkers(tasks: TaskRunRecord[], events: readonly HistoryEvent[], pending: readonly PendingActivity[], baseQueue: string): TaskRunRecord[] {
  const scheduled = new Map<string, { key: string; taskQueue: string }>();
  const workers = new Map<string, string>();
  const queues = new Map<string, string>();
  for (const event of events) {
    const attrs = event.activityTaskScheduledEventAttributes;
    // An agent's recorded output is bookkeeping on Weft's own queue, not the task's work.
    const bookkeeping = attrs?.activityType?.name === RECORD_TASK_OUTPUT_ACTIVITY;
    const key = attrs?.activityId && !bookkeeping ? ACTIVITY_ID.exec(attrs.activityId)?.[1] : undefined;
    if (attrs && key) {
      const taskQueue = attrs.taskQueue?.name ?? '';
      scheduled.set(String(event.eventId), { key, taskQueue });
      queues.set(attrs.activityId as string, taskQueue);
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    const of = started ? scheduled.get(String(started.scheduledEventId)) : undefined;
    if (started?.identity && of) workers.set(topKey(of.key), shortWorkerIdentity(started.identity));
  }
  for (const activity of pending) {
    const key = taskKeyOf(activity);
    if (key && activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && activity.lastWorkerIdentity) {
      workers.set(topKey(key), shortWorkerIdentity(activity.lastWorkerIdentity));
    }
  }
  const waiting = waitingOnQueues(pending, baseQueue, (activity) => queues.get(activity.activityId as string));
  return marked(tasks, workers, waiting);
}

/**
 * The live task runs with PENDING and `waitingFor` for a running task whose activity waits on a
 * named queue, as `withWorkers` says from history, but from the pending activities alone (their
 * current options name their task queue), so a run's live view needs no history read.
 */
export function withPendingQueues(tasks: TaskRunRecord[], pending: readonly PendingActivity[], baseQueue: string): TaskRunRecord[] {
  return marked(
    tasks,
    new Map(),
    waitingOnQueues(pending, baseQueue, (activity) => activity.activityOptions?.taskQueue?.name ?? undefined),
  );
}

/** The task run key of a task's activity (`<key>#<attempt>`); none for an agent's recorded output, which is bookkeeping. */
function taskKeyOf(activity: PendingActivity): string | undefined {
  const bookkeeping = activity.activityType?.name === RECORD_TASK_OUTPUT_ACTIVITY;
  return activity.activityId && !bookkeeping ? ACTIVITY_ID.exec(activity.activityId)?.[1] : undefined;
}

/** The task runs whose activity is scheduled on a named queue and not yet picked up, with that queue. */
function waitingOnQueues(
  pending: readonly PendingActivity[],
  baseQueue: string,
  taskQueueOf: (activity: PendingActivity) => string | undefined,
): Map<string, string> {
  const waiting = new Map<string, string>();
  for (const activity of pending) {
    const key = taskKeyOf(activity);
    if (!key || activity.state !== PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED) continue;
    const queue = queueNameOf(baseQueue, taskQueueOf(activity) ?? '');
    if (queue) waiting.set(topKey(key), queue);
  }
  return waiting;
}

function marked(tasks: TaskRunRecord[], workers: ReadonlyMap<string, string>, waiting: ReadonlyMap<string, string>): TaskRunRecord[] {
  if (workers.size === 0 && waiting.size === 0) return tasks;
  return tasks.map((task) => {
    const key = taskRunKey(task.id, task.iteration);
    const worker = workers.get(key);
    const queue = task.state === 'RUNNING' ? waiting.get(key) : undefined;
    if (!worker && !queue) return task;
    return { ...task, ...(worker ? { worker } : {}), ...(queue ? { state: 'PENDING' as const, waitingFor: `a worker on queue ${queue}` } : {}) };
  });
}

/** An agent's activities (`agent.model2`, `agent.step3`) belong to the agent's task run. */
function topKey(activityKey: string): string {
  const dot = activityKey.search(/\.(?:model|step)\d+$|\.tools$/);
  return dot > 0 ? activityKey.slice(0, dot) : activityKey;
}
