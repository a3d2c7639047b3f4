// The run's task lifecycle events. The interpreter records events here for free (no command) and
// they leave through the run-log sink (run-log-sink.ts), which costs no command either: with a
// `log` task's own line, before a durable wait, at the end of the run, at 100 buffered events,
// and otherwise as soon as a second of workflow time has passed since the last write, so a slow
// run's log is live and a fast one does not pay a store write in every workflow task. They are
// also written when a task that writes lines of its own (script, llm, custom) starts, so the log
// reads in time order.
//
// Events still buffered when a worker dies are not lost: the next worker replays the run, which
// records them again, and writes them at its next write point (replays do not call the sink, so
// what was written before is not written twice; line ids make a repeat harmless anyway).

import { type TaskEventKind, taskEventLine } from '../src/core/logs/task-event-line.js';
import type { LogLine, TaskContext } from '../src/core/runs/activity-io.js';

/** Events held before they are written without waiting for a write point. */
export const TASK_EVENTS_PER_WRITE = 100;

/** Workflow time after which recorded events are written without waiting for a write point. */
export const WRITE_AFTER_MS = 1000;

export class TaskEvents {
  private pending: LogLine[] = [];
  private writeScheduled = false;
  private lastWriteMs = Date.now();

  /**
   * @param enabled false for code flows: nothing is recorded (they have no end-of-run hook that
   *   would write the last events).
   * @param sink one call per write, made at once; issues no command.
   */
  constructor(
    readonly enabled: boolean,
    private readonly runId: string,
    private readonly flow: string,
    private readonly sink: (lines: LogLine[]) => void,
  ) {}

  /** Records one event of a task run attempt; the time is workflow time (deterministic). */
  record(taskId: string, iteration: number[] | undefined, attempt: number, kind: TaskEventKind, level: LogLine['level'], message: string): void {
    if (!this.enabled) return;
    const context: TaskContext = { runId: this.runId, flow: this.flow, taskId, attempt, ...(iteration?.length ? { iteration } : {}) };
    this.pending.push(taskEventLine(context, kind, level, message, new Date().toISOString()));
    if (this.pending.length < TASK_EVENTS_PER_WRITE && Date.now() - this.lastWriteMs < WRITE_AFTER_MS) return;
    this.writeSoon();
  }

  /**
   * Writes the buffered events by the end of this activation, before any activity it starts can
   * run: called when a task that writes lines of its own starts, so its lines never reach the
   * store ahead of its `started` line or of earlier tasks' events.
   */
  writeSoon(): void {
    if (this.writeScheduled || this.pending.length === 0) return;
    // One sink call for the whole burst (the SDK copies the workflow's info into every call); the
    // SDK drains microtasks before it ends an activation, so this still runs within this one.
    this.writeScheduled = true;
    void Promise.resolve().then(() => {
      this.writeScheduled = false;
      this.writeNow();
    });
  }

  /**
   * Writes the buffered events, followed by `extra` lines, at once. Synchronous: a sink call
   * issues no command, so there is nothing to await and nothing a cancelled scope could stop.
   */
  writeNow(extra: LogLine[] = []): void {
    const lines = extra.length ? [...this.pending, ...extra] : this.pending;
    this.pending = [];
    this.lastWriteMs = Date.now();
    if (lines.length) this.sink(lines);
  }
}
