// Rebuilds the task timeline of a run from its Temporal history alone, with no worker: every
// activity id is `<taskId>[<iteration>]#<attempt>`, so I/O tasks can be read back from events.
// Tasks that ran in workflow code (set, if, ...) leave no events and are not listed here. Also
// how an ended run's timeline shows the tasks it stopped.

import type { temporal } from '@temporalio/proto';
import { flowErrorType } from '../../core/errors.js';
import type { ExecutionStatusName } from '../../core/runs/run-state.js';
import { RECORD_TASK_OUTPUT_ACTIVITY, type TaskRunRecord, type TaskRunState } from '../../core/runs/run-types.js';
import { taskTypesByActivity } from '../../core/task-types/registry.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ACTIVITY_TASK_TYPES = taskTypesByActivity();
const ACTIVITY_ID = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([\d,]+)\])?#(\d+)$/;

function timeOf(event: HistoryEvent): string | undefined {
  const t = event.eventTime;
  if (!t?.seconds) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * `anyActivity` also lists activities that are not Weft task types: a code flow's steps
 * (activity id `<step>#<attempt>`, listed as type `step`) and a plain Temporal workflow's
 * activities (listed by activity type, one record per activity id).
 */
export function timelineFromHistory(events: readonly HistoryEvent[], options: { anyActivity?: boolean } = {}): TaskRunRecord[] {
  const records = new Map<string, TaskRunRecord>();
  const bySchedule = new Map<string, TaskRunRecord>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityId) {
      const activityType = scheduled.activityType?.name ?? '';
      const match = ACTIVITY_ID.exec(scheduled.activityId);
      const known = ACTIVITY_TASK_TYPES[activityType];
      if (!options.anyActivity && (!match || !known)) continue;
      // Writes of Weft's own bookkeeping are not tasks.
      if (
        !known &&
        (activityType === 'writeLogs' || activityType === 'storeOutput' || activityType === 'loadOutput' || activityType === RECORD_TASK_OUTPUT_ACTIVITY)
      )
        continue;
      const type = known ?? (match ? 'step' : activityType);
      const [, id = activityType, iteration, attempt = '1'] = match ?? [undefined, `${activityType}`, undefined, '1'];
      if (!match) {
        // A plain workflow's activity: one record per activity id.
        const record: TaskRunRecord = { id, type: 'activity', state: 'RUNNING', attempts: 1 };
        const startedAt = timeOf(event);
        if (startedAt) record.startedAt = startedAt;
        records.set(`${activityType}#${scheduled.activityId}`, record);
        bySchedule.set(String(event.eventId), record);
        continue;
      }
      const key = `${id}${iteration ? `[${iteration}]` : ''}`;
      const record: TaskRunRecord = records.get(key) ?? {
        id,
        type,
        state: 'RUNNING',
        attempts: 0,
        ...(iteration ? { iteration: iteration.split(',').map(Number) } : {}),
      };
      record.attempts = Math.max(record.attempts, Number(attempt));
      record.state = 'RUNNING';
      record.startedAt ??= timeOf(event);
      records.set(key, record);
      bySchedule.set(String(event.eventId), record);
      continue;
    }
    const outcome = activityOutcome(event);
    if (!outcome) continue;
    const record = bySchedule.get(String(outcome.scheduledEventId));
    if (!record) continue;
    record.state = outcome.state;
    const endedAt = timeOf(event);
    if (endedAt) record.endedAt = endedAt;
    if (outcome.error) record.error = outcome.error;
    else delete record.error;
  }
  return [...records.values()];
}

function activityOutcome(event: HistoryEvent): { scheduledEventId: unknown; state: TaskRunState; error?: { type: string; message: string } } | undefined {
  if (event.activityTaskCompletedEventAttributes) return { scheduledEventId: event.activityTaskCompletedEventAttributes.scheduledEventId, state: 'COMPLETED' };
  const failed = event.activityTaskFailedEventAttributes;
  if (failed) {
    const failure = failed.failure;
    return {
      scheduledEventId: failed.scheduledEventId,
      state: 'FAILED',
      error: { type: failure?.applicationFailureInfo?.type ?? 'Error', message: failure?.message ?? 'failed' },
    };
  }
  if (event.activityTaskTimedOutEventAttributes)
    return {
      scheduledEventId: event.activityTaskTimedOutEventAttributes.scheduledEventId,
      state: 'FAILED',
      error: { type: flowErrorType('ActivityTimedOut'), message: 'the task timed out' },
    };
  if (event.activityTaskCanceledEventAttributes) return { scheduledEventId: event.activityTaskCanceledEventAttributes.scheduledEventId, state: 'CANCELLED' };
  return undefined;
}

/**
 * A run that ended holds no running task: what was still going when it was terminated (or
 * timed out in Temporal) stopped with it, so it shows CANCELLED, with why, at the run's end.
 * A cancelled run's own tasks are already CANCELLED (the run marks them as it unwinds).
 */
export function endedTasks(tasks: TaskRunRecord[], status: ExecutionStatusName, endedAt: string | undefined): TaskRunRecord[] {
  return tasks.map((task) => {
    if (!UNFINISHED_TASK_STATES.has(task.state)) return task;
    const why = status === 'TERMINATED' ? 'terminated' : status === 'TIMED_OUT' ? 'timed out' : 'ended';
    return {
      ...task,
      state: 'CANCELLED',
      ...(endedAt && !task.endedAt ? { endedAt } : {}),
      error: { type: flowErrorType('RunEnded'), message: `the run was ${why} while this task was ${task.state}` },
    };
  });
}

const UNFINISHED_TASK_STATES = new Set<TaskRunState>(['PENDING', 'RUNNING', 'RETRYING', 'WAITING']);
