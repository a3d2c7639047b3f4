// The worker's side of the run-log sink (workflows/run-log-sink.ts). The SDK calls the sink once
// per line batch a workflow hands over and awaits every call of an activation before it reports
// the workflow task done, so the write is on the critical path of every workflow task that logs.
// This writer gathers every call made before the event loop moves on (one activation's calls,
// and those of other activations the worker finished in the same turn, as happens when many
// runs are busy at once) into one write to the store: one commit for all of them.
// It waits for the check phase of the current turn (setImmediate), not for a timer, so a lone
// run's write is not delayed.

import { setTimeout as delay } from 'node:timers/promises';
import type { LogLine } from '../../core/runs/activity-io.js';
import { StoreUnavailableError } from '../store/store-availability.js';
import type { LogSink } from './log-sink.js';

export interface RunLogWriterOptions {
  /**
   * How long a failing write is retried before its lines are given up (default 60 s). A store
   * that is unavailable (a database restart) is waited for without limit instead: the run pauses
   * until its lines are written, so none is lost.
   */
  retryForMs?: number;
  /** Told of lines given up, so the worker's own log names the runs they belong to. */
  onLost?: (lines: readonly LogLine[], error: unknown) => void;
}

export class RunLogWriter {
  private pending: LogLine[] = [];
  private batch: Promise<void> | undefined;

  constructor(
    private readonly sink: LogSink,
    private readonly options: RunLogWriterOptions = {},
  ) {}

  /** Resolves once the batch holding `lines` is stored (or, after the retry window, given up). */
  write(lines: readonly LogLine[]): Promise<void> {
    this.pending.push(...lines);
    this.batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeBatch());
    return this.batch;
  }

  private async writeBatch(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.batch = undefined;
    // Line ids are deterministic, so a write that failed half-way is simply repeated.
    const deadline = Date.now() + (this.options.retryForMs ?? 60_000);
    for (let wait = 50; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await this.sink.write(lines);
        return;
      } catch (error) {
        if (Date.now() + wait > deadline && !(error instanceof StoreUnavailableError)) {
          this.options.onLost?.(lines, error);
          return;
        }
        await delay(wait);
      }
    }
  }
}
