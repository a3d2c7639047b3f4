// Run log caps: a task attempt or a run that writes past its cap has further lines dropped and
// counted on one marker line; the store grows by at most the cap; the worker stays up.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogLine } from '../../src/core/runs/activity-io.js';
import { CappedLogSink, DEFAULT_LOG_CAPS, type LogCaps } from '../../src/services/logs/log-caps.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

function scriptLine(runId: string, taskId: string, n: number, message = `line ${n}`, attempt = 1): LogLine {
  return { id: `${runId}|${taskId}#${attempt}|stdout|${n}`, runId, flow: 'caps/f', taskId, attempt, level: 'info', message, time: new Date().toISOString() };
}

async function rowsOf(store: Store, runId: string): Promise<Array<{ line_id: string; message: string }>> {
  return store.db.selectFrom('logs').select(['line_id', 'message']).where('run_id', '=', runId).orderBy('seq').execute();
}

const SMALL: LogCaps = { attemptLines: 50, attemptChars: 1_000_000, runLines: 120, runChars: 1_000_000, lineChars: 100 };

for (const kind of STORE_KINDS) {
  describe(`log caps on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => store.close());

    it('drops lines past the per-attempt cap and counts them on one marker line', async () => {
      const sink = new CappedLogSink(new StoreLogSink(store), SMALL);
      for (let batch = 0; batch < 10; batch++) await sink.write(Array.from({ length: 20 }, (_, i) => scriptLine('r1', 'a', batch * 20 + i + 1)));
      await sink.flushMarkers();
      const rows = await rowsOf(store, 'r1');
      assert.equal(rows.filter((r) => r.line_id.includes('|stdout|')).length, 50);
      const markers = rows.filter((r) => r.line_id.endsWith('|log-cap'));
      assert.deepEqual(
        markers.map((m) => m.message),
        ['log cap reached: a task attempt may write 50 lines or 1 MiB; further lines are dropped (150 dropped)'],
      );
    });

    it('caps the run across tasks and attempts, and a new sink (a restarted worker) goes on from the store', async () => {
      const first = new CappedLogSink(new StoreLogSink(store), SMALL);
      await first.write(Array.from({ length: 40 }, (_, i) => scriptLine('r2', 'a', i + 1)));
      await first.write(Array.from({ length: 40 }, (_, i) => scriptLine('r2', 'b', i + 1)));
      const restarted = new CappedLogSink(new StoreLogSink(store), SMALL);
      await restarted.write(Array.from({ length: 40 }, (_, i) => scriptLine('r2', 'c', i + 1)));
      await restarted.write(Array.from({ length: 40 }, (_, i) => scriptLine('r2', 'a', i + 1, `retry ${i}`, 2)));
      await restarted.flushMarkers();
      const rows = await rowsOf(store, 'r2');
      assert.equal(rows.filter((r) => r.line_id.includes('|stdout|')).length, 120);
      const marker = rows.find((r) => r.line_id === 'r2|run|log-cap');
      assert.equal(marker?.message, 'log cap reached: a run may write 120 lines or 1 MiB; further lines of this run are dropped (40 dropped)');
    });

    it('keeps task events past the caps, and cuts an over-long line with a mark', async () => {
      const sink = new CappedLogSink(new StoreLogSink(store), SMALL);
      await sink.write(Array.from({ length: 60 }, (_, i) => scriptLine('r3', 'a', i + 1)));
      await sink.write([{ ...scriptLine('r3', 'a', 0), id: 'r3|a#1|event|completed', message: 'completed' }]);
      await sink.write([scriptLine('r3', 'b', 1, 'x'.repeat(250))]);
      const rows = await rowsOf(store, 'r3');
      assert.ok(rows.some((r) => r.line_id === 'r3|a#1|event|completed'));
      assert.equal(rows.find((r) => r.line_id === 'r3|b#1|stdout|1')?.message, `${'x'.repeat(100)}… [line cut: 150 more characters]`);
    });
  });
}

describe('log caps on a real worker', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('a script printing 200,000 lines stores at most the attempt cap plus one marker, and the worker keeps serving runs', async () => {
    const view = await runFlow(env, 'id: flood\ntasks:\n  - { id: flood, type: script, language: bash, script: "seq 1 200000" }\n');
    assertCompleted(view);
    // The marker's count is rewritten within a second of the last drop.
    let marker: { message: string } | undefined;
    for (let i = 0; i < 50; i++) {
      marker = await env.store.db.selectFrom('logs').select('message').where('line_id', 'like', `${view.runId}|flood#1|log-cap`).executeTakeFirst();
      if (marker?.message.endsWith('(190000 dropped)')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(
      marker?.message,
      `log cap reached: a task attempt may write ${DEFAULT_LOG_CAPS.attemptLines} lines or 10 MiB; further lines are dropped (190000 dropped)`,
    );
    const stored = await env.store.db
      .selectFrom('logs')
      .select((eb) => [eb.fn.countAll<number>().as('n')])
      .where('run_id', '=', view.runId)
      .where('line_id', 'like', '%|stdout|%')
      .executeTakeFirst();
    assert.equal(Number(stored?.n), DEFAULT_LOG_CAPS.attemptLines);
    const after = await runFlow(env, 'id: after\ntasks:\n  - { id: hi, type: log, message: still here }\n');
    assertCompleted(after);
    assert.ok((await env.logs.read(after.runId)).some((l) => l.message === 'still here'));
  });
});
