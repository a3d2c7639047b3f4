import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { LogLine } from '../../src/core/runs/activity-io.js';
import { InvalidCursorError } from '../../src/services/cursor.js';
import { LogService } from '../../src/services/log-service.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

function line(n: number, overrides: Partial<LogLine> = {}): LogLine {
  return {
    id: `run-a|t#1|stdout|${n}`,
    runId: 'run-a',
    flow: 'ns/alpha',
    taskId: 't',
    attempt: 1,
    level: 'info',
    message: `line ${n}`,
    time: new Date(Date.UTC(2026, 10, 23, 10, 0, n)).toISOString(),
    ...overrides,
  };
}

for (const kind of STORE_KINDS) {
  describe(`run logs on ${kind}`, () => {
    let store: Store;
    let sink: StoreLogSink;
    let logs: LogService;
    before(async () => {
      store = await openTestStore(kind);
      sink = new StoreLogSink(store);
      logs = new LogService(store);
      await sink.write(Array.from({ length: 30 }, (_, i) => line(i)));
      await sink.write([
        line(100, { id: 'run-a|u[2]#1|stderr|1', taskId: 'u', iteration: [2], level: 'warn', message: 'disk almost full on node seven' }),
        line(101, { id: 'run-a|u[2]#1|stderr|2', taskId: 'u', iteration: [2], level: 'error', message: 'upload failed: connection reset' }),
        line(102, { id: 'run-b|x#1|log', runId: 'run-b', flow: 'ns/beta', taskId: 'x', message: 'beta says hello' }),
      ]);
    });
    after(async () => store.close());

    it('stores a line written twice only once (replayed or retried writes)', async () => {
      await sink.write([line(0), line(1), line(5)]);
      const all = await logs.query({ runId: 'run-a', limit: 1000 });
      assert.equal(all.entries.length, 32);
    });

    it('filters by run, flow, task, minimum level and time range', async () => {
      assert.deepEqual(
        (await logs.query({ flow: 'ns/beta' })).entries.map((e) => e.message),
        ['beta says hello'],
      );
      assert.deepEqual(
        (await logs.query({ runId: 'run-a', level: 'warn' })).entries.map((e) => [e.taskId, e.iteration, e.level]),
        [
          ['u', [2], 'warn'],
          ['u', [2], 'error'],
        ],
      );
      assert.equal((await logs.query({ runId: 'run-a', taskId: 't', limit: 1000 })).entries.length, 30);
      const window = await logs.query({ runId: 'run-a', taskId: 't', since: '2026-11-23T10:00:10Z', until: '2026-11-23T10:00:14Z' });
      assert.deepEqual(
        window.entries.map((e) => e.message),
        ['line 10', 'line 11', 'line 12', 'line 13', 'line 14'],
      );
    });

    it('finds words with the full-text index, treating query syntax as plain words', async () => {
      assert.deepEqual(
        (await logs.query({ contains: 'connection' })).entries.map((e) => e.message),
        ['upload failed: connection reset'],
      );
      assert.deepEqual(
        (await logs.query({ contains: 'disk full' })).entries.map((e) => e.message),
        ['disk almost full on node seven'],
      );
      assert.equal((await logs.query({ contains: 'AND "OR' })).entries.length, 0);
    });

    it('pages with cursors, says when a page is truncated, tails, and follows new lines', async () => {
      const first = await logs.query({ runId: 'run-a', taskId: 't', limit: 12 });
      assert.equal(first.entries.length, 12);
      assert.equal(first.truncated, true);
      const second = await logs.query({ runId: 'run-a', taskId: 't', limit: 12, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
      assert.equal(second.entries[0]?.message, 'line 12');
      const tail = await logs.query({ runId: 'run-a', taskId: 't', tail: 3 });
      assert.deepEqual(
        tail.entries.map((e) => e.message),
        ['line 27', 'line 28', 'line 29'],
      );
      const caughtUp = await logs.query({ runId: 'run-a', taskId: 't', ...(tail.nextCursor ? { cursor: tail.nextCursor } : {}) });
      assert.equal(caughtUp.entries.length, 0);
      await sink.write([line(30)]);
      const followed = await logs.query({ runId: 'run-a', taskId: 't', ...(caughtUp.nextCursor ? { cursor: caughtUp.nextCursor } : {}) });
      assert.deepEqual(
        followed.entries.map((e) => e.message),
        ['line 30'],
      );
      await assert.rejects(logs.query({ cursor: 'bogus' }), InvalidCursorError);
    });

    it('indexes lines by flow and level, and by level, in order (searches by level at scale, bench workload 19)', async () => {
      const definitions =
        kind === 'postgres'
          ? (
              await sql<{
                name: string;
                definition: string;
              }>`SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'logs'`.execute(store.db)
            ).rows
          : (
              await sql<{
                name: string;
                definition: string;
              }>`SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logs'`.execute(store.db)
            ).rows;
      const columns = (name: string) =>
        definitions
          .find((d) => d.name === name)
          ?.definition.replace(/^.*\((.*)\)[^)]*$/, '$1')
          .replace(/"/g, '');
      assert.equal(columns('logs_flow_level'), 'flow, level, seq');
      assert.equal(columns('logs_level'), 'level, seq');
    });

    it('prunes lines older than the retention limit', async () => {
      const removed = await logs.prune('2026-11-23T10:00:05Z');
      assert.equal(removed, 5);
      assert.equal(
        (await logs.query({ contains: 'line' })).entries.some((e) => e.message === 'line 0'),
        false,
      );
    });
  });
}
