// The worker's side of the run-log sink: what one turn of the event loop hands over goes to the
// store in one write; a failing store is retried within the window, then the lines are reported.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { LogLine } from '../../src/core/runs/activity-io.js';
import type { LogSink } from '../../src/services/logs/log-sink.js';
import { RunLogWriter } from '../../src/services/logs/run-log-writer.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore } from '../helpers/stores.js';

function line(runId: string, n: number): LogLine {
  return {
    id: `${runId}|t#1|event|e${n}`,
    runId,
    flow: 'default/f',
    taskId: 't',
    attempt: 1,
    level: 'info',
    message: `line ${n}`,
    time: new Date().toISOString(),
  };
}

/** The store's own sink, counting its writes and failing the first `failures` of them. */
class CountingSink implements LogSink {
  writes: number[] = [];
  constructor(
    private readonly inner: LogSink,
    private failures = 0,
  ) {}
  async write(lines: readonly LogLine[]): Promise<void> {
    this.writes.push(lines.length);
    if (this.failures-- > 0) throw new Error('store unavailable');
    await this.inner.write(lines);
  }
}

async function storedIds(store: Store, runId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('logs').select('line_id').where('run_id', '=', runId).orderBy('line_id').execute();
  return rows.map((r) => r.line_id);
}

describe('run log writer', () => {
  let store: Store;
  after(() => store?.close());

  it('writes the calls of one turn in one batch and resolves each once its lines are stored', async () => {
    store = await openTestStore('sqlite');
    const sink = new CountingSink(new StoreLogSink(store));
    const writer = new RunLogWriter(sink);
    // As the SDK calls a sink: every call of an activation in the same turn, all awaited together.
    await Promise.all([writer.write([line('r1', 1), line('r1', 2)]), writer.write([line('r1', 3)]), writer.write([line('r2', 1)])]);
    assert.deepEqual(sink.writes, [4]);
    assert.deepEqual(await storedIds(store, 'r1'), ['r1|t#1|event|e1', 'r1|t#1|event|e2', 'r1|t#1|event|e3']);
    await writer.write([line('r1', 4)]);
    assert.deepEqual(sink.writes, [4, 1], 'a later turn is a batch of its own');
  });

  it('gathers calls made in one turn of the event loop even when promise callbacks come between them', async () => {
    const sink = new CountingSink(new StoreLogSink(store));
    const writer = new RunLogWriter(sink);
    // As when the worker finishes the activations of several runs before the loop moves on.
    const first = writer.write([line('r5', 1)]);
    await Promise.resolve();
    await Promise.resolve();
    const second = writer.write([line('r5', 2), line('r5', 3)]);
    await Promise.all([first, second]);
    assert.deepEqual(sink.writes, [3]);
    assert.deepEqual(await storedIds(store, 'r5'), ['r5|t#1|event|e1', 'r5|t#1|event|e2', 'r5|t#1|event|e3']);
  });

  it('retries a failing store until the write goes through, storing each line once', async () => {
    const sink = new CountingSink(new StoreLogSink(store), 2);
    const lost: LogLine[] = [];
    const writer = new RunLogWriter(sink, { retryForMs: 5000, onLost: (lines) => lost.push(...lines) });
    await writer.write([line('r3', 1), line('r3', 2)]);
    assert.deepEqual(sink.writes, [2, 2, 2]);
    assert.deepEqual(await storedIds(store, 'r3'), ['r3|t#1|event|e1', 'r3|t#1|event|e2']);
    assert.equal(lost.length, 0);
  });

  it('gives the lines up after the retry window and says which', async () => {
    const sink = new CountingSink(new StoreLogSink(store), Number.POSITIVE_INFINITY);
    const lost: LogLine[] = [];
    const writer = new RunLogWriter(sink, { retryForMs: 300, onLost: (lines) => lost.push(...lines) });
    const started = performance.now();
    await writer.write([line('r4', 1)]);
    assert.ok(performance.now() - started < 2000, 'the window bounds the wait');
    assert.ok(sink.writes.length >= 2, `tried ${sink.writes.length} times`);
    assert.deepEqual(
      lost.map((l) => l.id),
      ['r4|t#1|event|e1'],
    );
    assert.deepEqual(await storedIds(store, 'r4'), []);
  });
});
