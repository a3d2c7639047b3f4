// Task lifecycle events (started, completed, retrying, failed, ...) as run log lines. Pure: the
// workflow builds them in its sandbox and activities build the same `started` line, so both
// sides produce one deterministic line id and a repeated write is stored once.

import type { LogLine, TaskContext } from '../runs/activity-io.js';

/** Kinds of task events; each appears at most once per task run attempt (its line id says so). */
export const TASK_EVENT_KINDS = ['started', 'completed', 'skipped', 'retrying', 'failed', 'waiting', 'answered', 'cancelled'] as const;
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

/** Longest error text an event carries, in characters. */
const MAX_ERROR_CHARS = 300;

/** Builds the log line of one task event; `time` is ISO 8601 (workflow time inside workflows). */
export function taskEventLine(context: TaskContext, kind: TaskEventKind, level: LogLine['level'], message: string, time: string): LogLine {
  const key = `${context.taskId}${context.iteration?.length ? `[${context.iteration.join(',')}]` : ''}`;
  const line: LogLine = {
    id: `${context.runId}|${key}#${context.attempt}|event|${kind}`,
    runId: context.runId,
    flow: context.flow ?? '',
    taskId: context.taskId,
    attempt: context.attempt,
    level,
    message,
    time,
  };
  return context.iteration?.length ? { ...line, iteration: context.iteration } : line;
}

/** The `started` message, the same whether the workflow or the activity writes it. */
export function startedMessage(attempt: number): string {
  return attempt === 1 ? 'started' : `attempt ${attempt} started`;
}

/** `Type: message`, cut to a readable length, with secret markers (names) hidden. */
export function describeError(error: { type: string; message: string }): string {
  const text = `${error.type}: ${error.message}`.replace(/\u27e6weft-secret:[A-Za-z0-9_]+(?:@[A-Za-z0-9]+)?\u27e7/g, '***');
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** A delay as people write it: `500ms`, `2s`, `1m30s`, `2h`. */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}
