// The run's buffer of task lifecycle events. The interpreter records events here for free
// (no command); they reach the log store in ONE `writeLogs` local activity: with a `log` task's
// own line, before a durable wait, when the buffer is full, and at the end of the run.

import type { LogLine, TaskContext } from '../activities/types.js';
import { type TaskEventKind, taskEventLine } from '../src/logs/task-event-line.js';

/** Events held before a flush is due (one local activity writes them all). */
export const TASK_EVENTS_PER_FLUSH = 100;

/** Patch id of task events: runs started before it write no events (their commands stay as recorded). */
export const TASK_EVENTS_PATCH = 'task-log-events';

export class TaskEvents {
  private pending: LogLine[] = [];

  /**
   * @param enabled false for runs started before the `task-log-events` patch: nothing is recorded
   *   and no flush issues a command, so their histories replay unchanged.
   */
  constructor(
    readonly enabled: boolean,
    private readonly runId: string,
    private readonly flow: string,
    private readonly write: (lines: LogLine[]) => Promise<void>,
  ) {}

  /** Records one event of a task run attempt; the time is workflow time (deterministic). */
  record(taskId: string, iteration: number[] | undefined, attempt: number, kind: TaskEventKind, level: LogLine['level'], message: string): void {
    if (!this.enabled) return;
    const context: TaskContext = { runId: this.runId, flow: this.flow, taskId, attempt, ...(iteration?.length ? { iteration } : {}) };
    this.pending.push(taskEventLine(context, kind, level, message, new Date().toISOString()));
  }

  /** The buffer holds enough events for a flush to be due. */
  get full(): boolean {
    return this.pending.length >= TASK_EVENTS_PER_FLUSH;
  }

  /**
   * Writes the buffered events, followed by `extra` lines, in one local activity; does nothing
   * when there is nothing to write. On failure (a cancelled scope) the events go back into the
   * buffer so the run's final flush still writes them; line ids make a repeat harmless.
   */
  async flush(extra: LogLine[] = []): Promise<void> {
    if (this.pending.length === 0 && extra.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.write([...batch, ...extra]);
    } catch (error) {
      this.pending = [...batch, ...this.pending];
      throw error;
    }
  }
}
