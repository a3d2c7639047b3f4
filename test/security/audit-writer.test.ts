import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditInputError, AuditLog, type AuditRecord } from '../../src/services/security/audit-log.js';
import { AuditWriter } from '../../src/services/security/audit-writer.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const SECRET = 'sk-live-writer-0123456789';

/** An audit log over a real store that counts the statements it is asked to write. */
class CountedAuditLog extends AuditLog {
  writes: number[] = [];
  override async write(records: readonly AuditRecord[]) {
    this.writes.push(records.length);
    return super.write(records);
  }
}

function ticking(): () => Date {
  let tick = 0;
  return () => new Date(Date.parse('2031-05-01T00:00:00Z') + ++tick * 1000);
}

for (const kind of STORE_KINDS) {
  describe(`audit writer on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => store.close());

    it('writes the records of one turn after that turn, in one statement, each with the time of its call', async () => {
      const log = new CountedAuditLog(store, { now: ticking(), secretValues: () => [SECRET] });
      const lost: string[] = [];
      const writer = new AuditWriter(log, (line) => lost.push(line));
      for (const i of [1, 2, 3])
        writer.submit({ actor: 'local', transport: 'http', tool: 'run_flow', arguments: { i, note: SECRET }, outcome: 'ok', runId: `r-${i}` });
      assert.deepEqual(log.writes, [], 'nothing is written during the turn that submitted it');
      await writer.flush();
      assert.deepEqual(log.writes, [3]);
      const entries = (await log.query({ since: '2031-05-01T00:00:00Z' })).entries;
      assert.deepEqual(
        entries.map((e) => [e.runId, e.ts, e.arguments]),
        [
          ['r-3', '2031-05-01T00:00:03.000Z', { i: 3, note: '***' }],
          ['r-2', '2031-05-01T00:00:02.000Z', { i: 2, note: '***' }],
          ['r-1', '2031-05-01T00:00:01.000Z', { i: 1, note: '***' }],
        ],
      );
      assert.ok((entries[0]?.seq ?? 0) > (entries[2]?.seq ?? 0), 'seqs follow the order of submission');
      assert.deepEqual(lost, []);
    });

    it('writes on its own after the turn, and a flush waits for all records submitted before it', async () => {
      const log = new CountedAuditLog(store, { now: ticking() });
      const writer = new AuditWriter(log, () => undefined);
      writer.submit({ actor: 'local', transport: 'stdio', tool: 'save_flow', arguments: {}, outcome: 'ok', flow: 'ops/own-turn' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(log.writes, [1], 'the turn after the submit wrote it without a flush');
      writer.submit({ actor: 'local', transport: 'stdio', tool: 'save_flow', arguments: {}, outcome: 'ok', flow: 'ops/second' });
      writer.submit({
        actor: 'local',
        transport: 'stdio',
        tool: 'delete_flow',
        arguments: {},
        outcome: 'error',
        errorCode: 'FLOW_NOT_FOUND',
        flow: 'ops/third',
      });
      await writer.flush();
      assert.deepEqual(log.writes, [1, 2]);
      const flows = (await log.query({ since: '2031-05-01T00:00:00Z', actor: 'local' })).entries.map((e) => e.flow);
      assert.deepEqual(flows.slice(0, 3), ['ops/third', 'ops/second', 'ops/own-turn']);
    });

    it('refuses a record that does not fit at once, before anything is queued', async () => {
      const log = new CountedAuditLog(store);
      const writer = new AuditWriter(log, () => undefined);
      assert.throws(
        () => writer.submit({ actor: 'local', transport: 'pigeon' as never, tool: 'run_flow', arguments: {}, outcome: 'ok' }),
        (e: unknown) => e instanceof AuditInputError && /^audit record transport: /.test(e.message),
      );
      await writer.flush();
      assert.deepEqual(log.writes, []);
    });
  });
}

describe('audit writer when the store fails', () => {
  it('reports the records it could not write by tool, outcome and run, never their arguments', async () => {
    const store = await openTestStore('sqlite');
    const log = new AuditLog(store, { secretValues: () => [SECRET] });
    await store.close();
    const lost: string[] = [];
    const writer = new AuditWriter(log, (line) => lost.push(line));
    writer.submit({
      actor: 'key:weft_abcdefgh',
      transport: 'http',
      tool: 'run_flow',
      arguments: { inputs: { note: SECRET } },
      outcome: 'ok',
      runId: 'ops.deploy-1',
    });
    writer.submit({
      actor: 'local',
      transport: 'http',
      tool: 'save_flow',
      arguments: { flow: `x ${SECRET}` },
      outcome: 'error',
      errorCode: 'FLOW_INVALID',
      flow: 'ops/deploy',
    });
    await writer.flush();
    assert.equal(lost.length, 1);
    assert.match(
      lost[0] ?? '',
      /^audit log: 2 record\(s\) not written \(run_flow by key:weft_abcdefgh ok run ops\.deploy-1 at \S+; save_flow by local error flow ops\/deploy at \S+\): /,
    );
    assert.equal(lost[0]?.includes(SECRET), false, 'no argument reaches the report');
  });
});
