// Writes run log lines to the store. Lines carry deterministic ids, so a batch written twice (a
// retried activity, a re-run after a worker crash) adds nothing the second time.

import { sql } from 'kysely';
import type { LogLine } from '../../core/runs/activity-io.js';
import type { Store } from '../store/database.js';
import type { LogCapStore } from './log-caps.js';
import type { LogSink } from './log-sink.js';

/** Rows per INSERT statement; keeps statements under SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 500;

export class StoreLogSink implements LogSink, LogCapStore {
  constructor(private readonly store: Store) {}

  async write(lines: readonly LogLine[]): Promise<void> {
    for (let i = 0; i < lines.length; i += ROWS_PER_STATEMENT) {
      const rows = lines.slice(i, i + ROWS_PER_STATEMENT).map(rowOf);
      await this.store.db
        .insertInto('logs')
        .values(rows)
        .onConflict((oc) => oc.column('line_id').doNothing())
        .execute();
    }
  }

  async runTotals(runId: string): Promise<{ lines: number; chars: number }> {
    const row = await this.store.db
      .selectFrom('logs')
      .select((eb) => [eb.fn.countAll<number | string>().as('lines'), eb.fn.sum<number | string | null>(sql`length(message)`).as('chars')])
      .where('run_id', '=', runId)
      .where('line_id', 'not like', '%|event|%')
      .executeTakeFirst();
    return { lines: Number(row?.lines ?? 0), chars: Number(row?.chars ?? 0) };
  }

  // Delete and insert rather than update: SQLite's full-text index follows inserts and deletes.
  async replace(line: LogLine): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('logs').where('line_id', '=', line.id).execute();
      await trx.insertInto('logs').values(rowOf(line)).execute();
    });
  }
}

function rowOf(l: LogLine) {
  return {
    line_id: l.id,
    run_id: l.runId,
    flow: l.flow,
    task_id: l.taskId,
    iteration: l.iteration ? l.iteration.join(',') : null,
    attempt: l.attempt,
    level: l.level,
    message: l.message,
    ts: l.time,
  };
}
