// A PostgreSQL store that goes away: queries fail with the typed, retryable StoreUnavailableError
// (not a driver error, not a crash); run log lines wait for the store however long it is away,
// past the retry window other failures get, and are stored once it is back; the audit writer
// keeps its records until then too. On a private PostgreSQL that the test stops and starts.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { LogLine } from '../../src/core/runs/activity-io.js';
import { LogService } from '../../src/services/log-service.js';
import { RunLogWriter } from '../../src/services/logs/run-log-writer.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import { AuditLog } from '../../src/services/security/audit-log.js';
import { AuditWriter } from '../../src/services/security/audit-writer.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { StoreUnavailableError } from '../../src/services/store/store-availability.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../testbed/private-postgres.js';
import { freePort } from '../helpers/free-port.js';

function line(runId: string, n: number): LogLine {
  return { id: `${runId}|t#1|log|${n}`, runId, flow: 'pg/f', taskId: 't', attempt: 1, level: 'info', message: `line ${n}`, time: new Date().toISOString() };
}

describe('a PostgreSQL store that goes away', () => {
  let postgres: PrivatePostgres;
  let store: Store;
  before(async () => {
    postgres = await startPrivatePostgres(await freePort());
    store = await openStore({ dataDir: '/nonexistent', url: postgres.url });
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    await postgres?.stop();
  });

  it('fails queries with StoreUnavailableError while it is away, and answers again once it is back', async () => {
    await postgres.pause();
    try {
      await assert.rejects(new LogService(store).query({ runId: 'x', limit: 1 }), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.equal(error.code, 'STORE_UNAVAILABLE');
        assert.match(error.message, /^the store at postgres:\/\/127\.0\.0\.1:\d+\/postgres is unavailable: /);
        assert.doesNotMatch(error.message, /weft@/, 'no credentials in the message');
        return true;
      });
    } finally {
      await postgres.resume();
    }
    assert.deepEqual((await new LogService(store).query({ runId: 'x', limit: 1 })).entries, []);
  });

  it('keeps run log lines until the store is back, however long past the retry window', { timeout: 60_000 }, async () => {
    const lost: LogLine[] = [];
    const writer = new RunLogWriter(new StoreLogSink(store), { retryForMs: 200, onLost: (lines) => lost.push(...lines) });
    await postgres.pause();
    let written = false;
    const writing = writer.write([line('outage', 1), line('outage', 2)]).then(() => (written = true));
    await delay(3000);
    assert.equal(written, false, 'the write waits for the store');
    await postgres.resume();
    await writing;
    assert.equal(lost.length, 0);
    const stored = (await new LogService(store).query({ runId: 'outage', limit: 10 })).entries.map((e) => e.message);
    assert.deepEqual(stored, ['line 1', 'line 2']);
  });

  it('keeps audit records until the store is back instead of reporting them lost', { timeout: 60_000 }, async () => {
    const reports: string[] = [];
    const writer = new AuditWriter(new AuditLog(store), (l) => reports.push(l));
    await postgres.pause();
    writer.submit({ actor: 'local', transport: 'cli', tool: 'outage_test', arguments: {}, outcome: 'ok' });
    const flushed = writer.flush();
    await delay(2000);
    await postgres.resume();
    await flushed;
    assert.deepEqual(reports, []);
    const { entries } = await new AuditLog(store).query({ tool: 'outage_test' });
    assert.equal(entries.length, 1);
  });
});
