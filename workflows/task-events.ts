// The run's task lifecycle events. The interpreter records events here for free (no command).
// Runs since the `log-sink` patch hand them to the run-log sink (run-log-sink.ts; the worker
// writes them when the activation ends) in one call per burst of events: the SDK copies the
// workflow's info into every sink call, so a call per event would cost more than the event.
// Older runs buffer them and write them in ONE
// `writeLogs` local activity: with a `log` task's own line, before a durable wait, when the
// buffer is full, and at the end of the run.

import type { LogLine, TaskContext } from '../activities/types.js';
import { type TaskEventKind, taskEventLine } from '../src/logs/task-event-line.js';

/** Events held before a flush is due (one local activity writes them all). */
export const TASK_EVENTS_PER_FLUSH = 100;

/** Patch id of task events: runs started before it write no events (their commands stay as recorded). */
export const TASK_EVENTS_PATCH = 'task-log-events';

export class TaskEvents {
  private pending: LogLine[] = [];
  private directScheduled = false;

  /**
   * @param enabled false for runs started before the `task-log-events` patch: nothing is recorded
   *   and no flush issues a command, so their histories replay unchanged.
   * @param write the buffered path: one local activity per flush.
   * @param direct the sink path: lines go out once the work in hand settles (a microtask, so
   *   always within the activation that recorded them), and nothing waits for a flush point.
   */
  constructor(
    readonly enabled: boolean,
    private readonly runId: string,
    private readonly flow: string,
    private readonly write: (lines: LogLine[]) => Promise<void>,
    private readonly direct?: (lines: LogLine[]) => void,
  ) {}

  /** Records one event of a task run attempt; the time is workflow time (deterministic). */
  record(taskId: string, iteration: number[] | undefined, attempt: number, kind: TaskEventKind, level: LogLine['level'], message: string): void {
    if (!this.enabled) return;
    const context: TaskContext = { runId: this.runId, flow: this.flow, taskId, attempt, ...(iteration?.length ? { iteration } : {}) };
    const line = taskEventLine(context, kind, level, message, new Date().toISOString());
    this.pending.push(line);
    if (this.direct && !this.directScheduled) {
      this.directScheduled = true;
      // The SDK drains microtasks before it ends an activation, so this runs within this one.
      void Promise.resolve().then(() => {
        this.directScheduled = false;
        this.writeDirect([]);
      });
    }
  }

  /** The buffer holds enough events for a flush to be due (never on the sink path). */
  get full(): boolean {
    return !this.direct && this.pending.length >= TASK_EVENTS_PER_FLUSH;
  }

  private writeDirect(extra: LogLine[]): void {
    const lines = extra.length ? [...this.pending, ...extra] : this.pending;
    this.pending = [];
    if (lines.length) this.direct?.(lines);
  }

  /**
   * Writes the buffered events, followed by `extra` lines, in one local activity; does nothing
   * when there is nothing to write. On failure (a cancelled scope) the events go back into the
   * buffer so the run's final flush still writes them; line ids make a repeat harmless.
   */
  async flush(extra: LogLine[] = []): Promise<void> {
    if (this.direct) {
      this.writeDirect(extra);
      return;
    }
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
