// Writes the audit records of MCP calls just after their answers go out, not before. The insert
// was the largest single cost MCP added to a call (bench/README.md, workload 6), and waiting for
// it bought no durability: the call had already acted by then, so a crash before the insert lost
// the record either way. Records submitted in one event-loop turn share one statement.

import { setTimeout as delay } from 'node:timers/promises';
import { StoreUnavailableError } from '../store/store-availability.js';
import type { AuditLog, AuditRecord, AuditRecordInput } from './audit-log.js';

/** Most records one INSERT carries (ten parameters each, well inside SQLite's and PostgreSQL's limits). */
const MAX_RECORDS_PER_WRITE = 200;
/** How long records wait for a store that is unavailable (a database restart) before they are reported lost. */
const UNAVAILABLE_RETRY_MS = 5 * 60 * 1000;
/** Records a lost-write report lists by name; the rest are counted. */
const REPORTED_RECORDS = 5;

export class AuditWriter {
  private queue: AuditRecord[] = [];
  /** Settles when every batch taken so far is written or reported; never rejects. */
  private written: Promise<void> = Promise.resolve();

  /**
   * `report` is told, in one line, of records that could not be written. It names their tools,
   * outcomes, runs and times, never their arguments or summaries: those may hold secrets that
   * were not redacted, since reading the secret values may be what failed.
   */
  constructor(
    private readonly log: AuditLog,
    private readonly report: (line: string) => void,
  ) {}

  /**
   * Queues a record of a call made now, written after the current event-loop turn. Throws
   * AuditInputError at once for input that does not fit `AuditRecordInput`.
   */
  submit(input: AuditRecordInput): void {
    // The first record of a turn schedules the write; later ones of that turn join it.
    if (this.queue.push(this.log.prepare(input)) === 1) setImmediate(() => void this.flush());
  }

  /** Resolves once every record submitted before this call is written (or reported lost). */
  flush(): Promise<void> {
    const batch = this.queue;
    if (batch.length > 0) {
      this.queue = [];
      this.written = this.written.then(() => this.writeAll(batch));
    }
    return this.written;
  }

  private async writeAll(batch: readonly AuditRecord[]): Promise<void> {
    for (let start = 0; start < batch.length; start += MAX_RECORDS_PER_WRITE) {
      const part = batch.slice(start, start + MAX_RECORDS_PER_WRITE);
      await this.writePart(part);
    }
  }

  /** Writes one batch; a store that is away is waited for (with backoff) up to UNAVAILABLE_RETRY_MS. */
  private async writePart(part: readonly AuditRecord[]): Promise<void> {
    const deadline = Date.now() + UNAVAILABLE_RETRY_MS;
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await this.log.write(part);
        return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || Date.now() + wait > deadline) {
          this.report(lostRecordsLine(part, error));
          return;
        }
        await delay(wait);
      }
    }
  }
}

function lostRecordsLine(records: readonly AuditRecord[], error: unknown): string {
  const named = records
    .slice(0, REPORTED_RECORDS)
    .map((r) => `${r.tool} by ${r.actor} ${r.outcome}${r.runId ? ` run ${r.runId}` : ''}${r.flow && !r.runId ? ` flow ${r.flow}` : ''} at ${r.ts}`);
  const more = records.length > REPORTED_RECORDS ? ` and ${records.length - REPORTED_RECORDS} more` : '';
  return `audit log: ${records.length} record(s) not written (${named.join('; ')}${more}): ${(error as Error).message} (check that the store is reachable; \`weft audit\` lists what was written)`;
}
