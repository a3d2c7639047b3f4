// The run's task lifecycle events. The interpreter records events here for free (no command);
// they are buffered and written together: with a `log` task's own line, before a durable wait,
// when the buffer is full, and at the end of the run. Runs since the `log-sink` patch write
// through the run-log sink (run-log-sink.ts), which costs no command, and so also write as soon
// as a second of workflow time has passed since their last write: a slow run's log is live, and
// a fast one does not pay a store write in every workflow task; and when a task that writes lines
// of its own (script, llm, custom) starts, so the log reads in time order. Older runs write with
// ONE `writeLogs` local activity per flush.
//
// Events still buffered when a worker dies are not lost: the next worker replays the run, which
// records them again, and writes them at the next flush (replays do not call the sink, so what
// was written before is not written twice; line ids make a repeat harmless anyway).

import { type TaskEventKind, taskEventLine } from '../src/core/logs/task-event-line.js';
import type { LogLine, TaskContext } from '../src/core/runs/activity-io.js';

/** Events held before a flush is due. */
export const TASK_EVENTS_PER_FLUSH = 100;

/** On the sink path, workflow time after which recorded events are written without waiting for a flush point. */
export const SINK_WRITE_AFTER_MS = 1000;

/** Patch id of task events: runs started before it write no events (their commands stay as recorded). */
export const TASK_EVENTS_PATCH = 'task-log-events';

export class TaskEvents {
  private pending: LogLine[] = [];
  private sinkWriteScheduled = false;
  private lastWriteMs = Date.now();

  /**
   * @param enabled false for runs started before the `task-log-events` patch: nothing is recorded
   *   and no flush issues a command, so their histories replay unchanged.
   * @param write the local-activity path: one `writeLogs` per flush.
   * @param sink the sink path: a flush is a sink call, made at once.
   */
  constructor(
    readonly enabled: boolean,
    private readonly runId: string,
    private readonly flow: string,
    private readonly write: (lines: LogLine[]) => Promise<void>,
    private readonly sink?: (lines: LogLine[]) => void,
  ) {}

  /** Records one event of a task run attempt; the time is workflow time (deterministic). */
  record(taskId: string, iteration: number[] | undefined, attempt: number, kind: TaskEventKind, level: LogLine['level'], message: string): void {
    if (!this.enabled) return;
    const context: TaskContext = { runId: this.runId, flow: this.flow, taskId, attempt, ...(iteration?.length ? { iteration } : {}) };
    this.pending.push(taskEventLine(context, kind, level, message, new Date().toISOString()));
    if (this.pending.length < TASK_EVENTS_PER_FLUSH && Date.now() - this.lastWriteMs < SINK_WRITE_AFTER_MS) return;
    this.writeSoon();
  }

  /**
   * On the sink path, writes the buffered events by the end of this activation, before any
   * activity it starts can run: called when a task that writes lines of its own starts, so its
   * lines never reach the store ahead of its `started` line or of earlier tasks' events. No
   * command either way; the local-activity path (older runs) keeps its flush points.
   */
  writeSoon(): void {
    if (!this.sink || this.sinkWriteScheduled || this.pending.length === 0) return;
    // One sink call for the whole burst (the SDK copies the workflow's info into every call); the
    // SDK drains microtasks before it ends an activation, so this still runs within this one.
    this.sinkWriteScheduled = true;
    void Promise.resolve().then(() => {
      this.sinkWriteScheduled = false;
      this.writeToSink([]);
    });
  }

  /** The buffer holds enough events for a flush to be due (the sink path writes those by itself). */
  get full(): boolean {
    return !this.sink && this.pending.length >= TASK_EVENTS_PER_FLUSH;
  }

  private writeToSink(extra: LogLine[]): void {
    const lines = extra.length ? [...this.pending, ...extra] : this.pending;
    this.pending = [];
    this.lastWriteMs = Date.now();
    if (lines.length) this.sink?.(lines);
  }

  /**
   * The sink path's flush, synchronous: a sink call issues no command, so there is nothing to
   * await and nothing a cancelled scope could stop (runs since `lean-tasks` call this directly).
   */
  writeNow(extra: LogLine[] = []): void {
    this.writeToSink(extra);
  }

  /**
   * Writes the buffered events, followed by `extra` lines; does nothing when there is nothing to
   * write. On the local-activity path a failure (a cancelled scope) puts the events back into the
   * buffer so the run's final flush still writes them.
   */
  async flush(extra: LogLine[] = []): Promise<void> {
    if (this.sink) {
      this.writeToSink(extra);
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
