// Writes run log lines to the store. Lines carry deterministic ids, so a batch written twice (a
// retried activity, a re-run after a worker crash) adds nothing the second time.

import type { LogLine } from '../../activities/types.js';
import type { Store } from '../store/database.js';
import type { LogSink } from './log-sink.js';

/** Rows per INSERT statement; keeps statements under SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 500;

export class StoreLogSink implements LogSink {
  constructor(private readonly store: Store) {}

  async write(lines: readonly LogLine[]): Promise<void> {
    for (let i = 0; i < lines.length; i += ROWS_PER_STATEMENT) {
      const rows = lines.slice(i, i + ROWS_PER_STATEMENT).map((l) => ({
        line_id: l.id,
        run_id: l.runId,
        flow: l.flow,
        task_id: l.taskId,
        iteration: l.iteration ? l.iteration.join(',') : null,
        attempt: l.attempt,
        level: l.level,
        message: l.message,
        ts: l.time,
      }));
      await this.store.db
        .insertInto('logs')
        .values(rows)
        .onConflict((oc) => oc.column('line_id').doNothing())
        .execute();
    }
  }
}
