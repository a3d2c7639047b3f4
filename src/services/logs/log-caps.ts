// Caps on run logs, so one flow cannot fill the store: per task attempt and per run, in lines and
// in characters, and a longest line. Past a cap, lines are dropped and counted; one marker line
// per task attempt (and one per run) says so and carries the count, rewritten as it grows.

import type { LogLine } from '../../core/runs/activity-io.js';
import type { LogSink } from './log-sink.js';

/** The caps; every field in lines or characters of message text. */
export interface LogCaps {
  /** Lines one task attempt may write (default 10,000). */
  attemptLines: number;
  /** Characters one task attempt may write (default 10 MiB). */
  attemptChars: number;
  /** Lines one run may write, all tasks and attempts together (default 100,000). */
  runLines: number;
  /** Characters one run may write (default 100 MiB). */
  runChars: number;
  /** Longest line kept whole; longer ones are cut and marked (default 64 KiB). */
  lineChars: number;
}

/**
 * The defaults: generous for a chatty script, small next to the store (a 100,000-line run is
 * about 15 MB in SQLite with its full-text index). Task events (started, completed, ...) are
 * bounded by the run's own size and are never dropped or counted.
 */
export const DEFAULT_LOG_CAPS: LogCaps = {
  attemptLines: 10_000,
  attemptChars: 10 * 1024 * 1024,
  runLines: 100_000,
  runChars: 100 * 1024 * 1024,
  lineChars: 64 * 1024,
};

/** What the store adds to a plain sink so caps survive a worker restart and markers can be rewritten. */
export interface LogCapStore {
  /** Lines and characters already stored for the run, task events left out. */
  runTotals(runId: string): Promise<{ lines: number; chars: number }>;
  /** Stores the line, replacing the one with the same id (a marker whose count grew). */
  replace(line: LogLine): Promise<void>;
}

interface Tally {
  lines: number;
  chars: number;
  dropped: number;
  /** The marker line, once the cap was reached. */
  marker?: LogLine;
  /** The count the stored marker shows. */
  shown: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Most tallies kept in memory; the oldest are forgotten (a run's is re-read from the store). */
const MAX_TALLIES = 10_000;

/** How often a marker's count is rewritten while lines keep being dropped. */
const MARKER_REWRITE_MS = 1000;

/** Wraps a sink with the caps. Lines past a cap are dropped before they reach the store. */
export class CappedLogSink implements LogSink {
  private readonly attempts = new Map<string, Tally>();
  private readonly runs = new Map<string, Promise<Tally>>();

  constructor(
    private readonly inner: LogSink & Partial<LogCapStore>,
    private readonly caps: LogCaps = DEFAULT_LOG_CAPS,
  ) {}

  async write(lines: readonly LogLine[]): Promise<void> {
    const kept: LogLine[] = [];
    const markers = new Set<Tally>();
    for (const original of lines) {
      if (isTaskEvent(original)) {
        kept.push(original);
        continue;
      }
      const line = this.cut(original);
      const run = await this.runTally(line.runId);
      const attempt = this.attemptTally(line);
      const chars = line.message.length;
      const attemptOver = attempt.marker !== undefined || attempt.lines + 1 > this.caps.attemptLines || attempt.chars + chars > this.caps.attemptChars;
      const runOver = run.marker !== undefined || run.lines + 1 > this.caps.runLines || run.chars + chars > this.caps.runChars;
      if (!attemptOver && !runOver) {
        attempt.lines += 1;
        attempt.chars += chars;
        run.lines += 1;
        run.chars += chars;
        kept.push(line);
        continue;
      }
      const tally = attemptOver ? attempt : run;
      tally.dropped += 1;
      if (!tally.marker) {
        tally.marker = attemptOver ? this.attemptMarker(line) : runMarker(line, this.caps);
        kept.push(this.withCount(tally));
      } else markers.add(tally);
    }
    if (kept.length) await this.inner.write(kept);
    for (const tally of markers) this.scheduleMarker(tally);
  }

  /** Cuts an over-long line, saying how much was left out. */
  private cut(line: LogLine): LogLine {
    if (line.message.length <= this.caps.lineChars) return line;
    const rest = line.message.length - this.caps.lineChars;
    return { ...line, message: `${line.message.slice(0, this.caps.lineChars)}… [line cut: ${rest} more characters]` };
  }

  private attemptTally(line: LogLine): Tally {
    const key = attemptKey(line);
    let tally = this.attempts.get(key);
    if (!tally) {
      tally = { lines: 0, chars: 0, dropped: 0, shown: 0 };
      remember(this.attempts, key, tally);
    }
    return tally;
  }

  private runTally(runId: string): Promise<Tally> {
    let tally = this.runs.get(runId);
    if (!tally) {
      // A worker that restarts, or another that picks the run up, goes on from what is stored.
      // A store that cannot answer fails this write like any other store error (the writer
      // retries it), and the next write asks again.
      const totals = this.inner.runTotals ? this.inner.runTotals(runId) : Promise.resolve({ lines: 0, chars: 0 });
      tally = totals.then((t) => ({ lines: t.lines, chars: t.chars, dropped: 0, shown: 0 }));
      tally.catch(() => this.runs.delete(runId));
      remember(this.runs, runId, tally);
    }
    return tally;
  }

  private attemptMarker(line: LogLine): LogLine {
    const marker: LogLine = {
      ...line,
      id: `${attemptKey(line)}|log-cap`,
      level: 'warn',
      message: `log cap reached: a task attempt may write ${this.caps.attemptLines} lines or ${mib(this.caps.attemptChars)} MiB; further lines are dropped`,
    };
    return marker;
  }

  private withCount(tally: Tally): LogLine {
    const marker = tally.marker as LogLine;
    tally.shown = tally.dropped;
    return { ...marker, message: `${marker.message} (${tally.dropped} dropped)` };
  }

  // Rewrites the marker with the new count at most once a second, and once more after the last drop.
  private scheduleMarker(tally: Tally): void {
    if (tally.timer !== undefined || !this.inner.replace) return;
    tally.timer = setTimeout(() => {
      tally.timer = undefined;
      if (tally.dropped === tally.shown) return;
      this.inner.replace?.(this.withCount(tally)).catch(() => undefined);
      this.scheduleMarker(tally);
    }, MARKER_REWRITE_MS);
    tally.timer.unref?.();
  }

  /** Writes every marker whose count changed (tests and shutdown). */
  async flushMarkers(): Promise<void> {
    const tallies = [...this.attempts.values(), ...(await Promise.all(this.runs.values()))];
    for (const tally of tallies) {
      if (tally.timer !== undefined) clearTimeout(tally.timer);
      tally.timer = undefined;
      if (tally.marker && tally.dropped !== tally.shown && this.inner.replace) await this.inner.replace(this.withCount(tally));
    }
  }
}

function runMarker(line: LogLine, caps: LogCaps): LogLine {
  const { iteration: _iteration, ...rest } = line;
  return {
    ...rest,
    id: `${line.runId}|run|log-cap`,
    level: 'warn',
    message: `log cap reached: a run may write ${caps.runLines} lines or ${mib(caps.runChars)} MiB; further lines of this run are dropped`,
  };
}

function isTaskEvent(line: LogLine): boolean {
  return line.id.includes('|event|');
}

function attemptKey(line: LogLine): string {
  return `${line.runId}|${line.taskId}${line.iteration?.length ? `[${line.iteration.join(',')}]` : ''}#${line.attempt}`;
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= MAX_TALLIES) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

function mib(chars: number): string {
  return String(Math.round((chars / (1024 * 1024)) * 10) / 10);
}
