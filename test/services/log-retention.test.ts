// Run log retention: lines older than WEFT_LOG_RETENTION_DAYS go at start and then on a timer,
// and Weft's own log says how many went.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/core/errors.js';
import type { LogLine } from '../../src/core/runs/activity-io.js';
import { DEFAULT_LOG_RETENTION_DAYS, LogService, logRetentionDays } from '../../src/services/log-service.js';
import { pruneRunLogs, startLogRetention } from '../../src/services/logging/log-retention.js';
import { createLogger } from '../../src/services/logging/logger.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));

function line(n: number, daysOld: number, now = NOW): LogLine {
  return {
    id: `run-r|t#1|log|${n}`,
    runId: 'run-r',
    flow: 'ns/retained',
    taskId: 't',
    attempt: 1,
    level: 'info',
    message: `line ${n}, ${daysOld}d old`,
    time: new Date(now.getTime() - daysOld * DAY).toISOString(),
  };
}

/** A logger whose records are kept in memory. */
function memoryLogger(level: 'info' | 'debug' = 'info') {
  const records: Array<{ level: number; msg: string; deleted?: number; retentionDays?: number }> = [];
  const logger = createLogger({ level }, { write: (text: string) => void records.push(JSON.parse(text)) });
  return { logger, records };
}

async function messages(logs: LogService): Promise<string[]> {
  return (await logs.query({ runId: 'run-r', limit: 1000 })).entries.map((e) => e.message);
}

for (const kind of STORE_KINDS) {
  describe(`run log retention on ${kind}`, () => {
    let store: Store;
    let logs: LogService;
    before(async () => {
      store = await openTestStore(kind);
      logs = new LogService(store);
      await new StoreLogSink(store).write([line(1, 45), line(2, 30.5), line(3, 29), line(4, 0)]);
    });
    after(async () => store.close());

    it('keeps everything with 0 days, then prunes lines older than the retention and logs how many went', async () => {
      const { logger, records } = memoryLogger();
      assert.equal(await pruneRunLogs({ logs, retentionDays: 0, logger }, NOW), 0);
      assert.equal((await messages(logs)).length, 4);
      assert.equal(await pruneRunLogs({ logs, retentionDays: 30, logger }, NOW), 2);
      assert.deepEqual(await messages(logs), ['line 3, 29d old', 'line 4, 0d old']);
      const record = records.find((r) => r.deleted === 2);
      assert.equal(record?.level, 30);
      assert.equal(record?.retentionDays, 30);
      assert.match(record?.msg ?? '', /log retention: pruned 2 run log lines older than 30 days/);
    });
  });
}

describe('the log retention job', () => {
  let store: Store;
  before(async () => {
    store = await openTestStore('sqlite');
  });
  after(async () => store.close());

  it('prunes at start and then on its interval until stopped', async () => {
    const logs = new LogService(store);
    const sink = new StoreLogSink(store);
    const now = new Date();
    await sink.write([line(10, 8, now), line(11, 1, now)]);
    const { logger, records } = memoryLogger('debug');
    const job = startLogRetention({ logs, retentionDays: 7, logger, intervalMs: 50 });
    assert.equal(await job.first, 1);
    await sink.write([line(12, 9, now)]);
    const deadline = Date.now() + 5000;
    while ((await messages(logs)).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await job.stop();
    assert.deepEqual(await messages(logs), ['line 11, 1d old']);
    assert.ok(records.filter((r) => r.msg.startsWith('log retention: pruned')).length >= 2, JSON.stringify(records));
    await sink.write([line(13, 10, now)]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await messages(logs)).length, 2, 'a stopped job prunes nothing more');
  });

  it('starts no job when the retention is 0 days', async () => {
    const { logger } = memoryLogger();
    const job = startLogRetention({ logs: new LogService(store), retentionDays: 0, logger, intervalMs: 10 });
    assert.equal(await job.first, 0);
    await job.stop();
  });

  it('reads WEFT_LOG_RETENTION_DAYS: 30 by default, 0 allowed, anything else negative or not a number refused', () => {
    assert.equal(logRetentionDays({}), DEFAULT_LOG_RETENTION_DAYS);
    assert.equal(DEFAULT_LOG_RETENTION_DAYS, 30);
    assert.equal(logRetentionDays({ WEFT_LOG_RETENTION_DAYS: '0' }), 0);
    assert.equal(logRetentionDays({ WEFT_LOG_RETENTION_DAYS: '7' }), 7);
    assert.throws(
      () => logRetentionDays({ WEFT_LOG_RETENTION_DAYS: '-1' }),
      (error: unknown) => error instanceof ConfigError && error.message === 'WEFT_LOG_RETENTION_DAYS must be a number of days >= 0 (got "-1")',
    );
    assert.throws(() => logRetentionDays({ WEFT_LOG_RETENTION_DAYS: 'month' }), ConfigError);
  });
});
