import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidCursorError } from '../../src/services/cursor.js';
import { Redactor } from '../../src/services/secrets/redactor.js';
import { loadSecretKey } from '../../src/services/secrets/secret-key.js';
import { SecretStore } from '../../src/services/secrets/secret-store.js';
import { AuditInputError, AuditLog } from '../../src/services/security/audit-log.js';
import { boundedJson, knownSecretValues, MAX_AUDIT_ARGUMENTS_BYTES, redactArguments, secretKeyName } from '../../src/services/security/audit-redaction.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const STORED_SECRET = 'sk-live-stored-0123456789';
const TOKEN = `weft_${'A1b2C3d4'.repeat(5)}xyz`;

describe('audit redaction', () => {
  it('treats values under secret-looking key names as secret, judged word by word', () => {
    for (const name of ['apiKey', 'api_key', 'x-api-key', 'GITHUB_TOKEN', 'token', 'client_secret', 'password', 'Authorization', 'privateKey', 'cookie'])
      assert.ok(secretKeyName(name), name);
    for (const name of ['maxTokens', 'idempotencyKey', 'flow', 'taskId', 'keyboard', 'author']) assert.ok(!secretKeyName(name), name);
  });

  it('replaces secrets by key, by known value, by token shape and after Bearer, keeping the rest', () => {
    const out = redactArguments(
      {
        flow: `id: x\nurl: https://h/?k=${STORED_SECRET}`,
        inputs: { apiKey: 'abc123456', nested: [{ password: 'hunter22' }], note: `use ${TOKEN}`, maxTokens: 100 },
        headers: { 'x-trace': 'Bearer abcdefghijklmnop' },
        comment: null,
      },
      new Redactor([STORED_SECRET]),
    );
    assert.deepEqual(out, {
      flow: 'id: x\nurl: https://h/?k=***',
      inputs: { apiKey: '***', nested: [{ password: '***' }], note: 'use ***', maxTokens: 100 },
      headers: { 'x-trace': 'Bearer ***' },
      comment: null,
    });
  });

  it('bounds the JSON, marking what was cut and how big it was', () => {
    const big = { flow: 'x'.repeat(40_000), quotes: '"'.repeat(20_000) };
    const json = boundedJson(big);
    assert.ok(Buffer.byteLength(json) <= MAX_AUDIT_ARGUMENTS_BYTES);
    const parsed = JSON.parse(json) as { $truncated: boolean; bytes: number; preview: string };
    assert.equal(parsed.$truncated, true);
    assert.equal(parsed.bytes, Buffer.byteLength(JSON.stringify(big)));
    assert.ok(parsed.preview.startsWith('{"flow":"xxx'));
    assert.equal(boundedJson({ a: 1 }), '{"a":1}');
  });
});

for (const kind of STORE_KINDS) {
  describe(`audit log on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => store.close());

    it('knows the values of stored secrets, set before or after it was made, and of WEFT_SECRET_* variables', async () => {
      const secrets = new SecretStore(store, await loadSecretKey(await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'keys-')), {}));
      await secrets.set('AUDIT_A', 'value-a');
      const known = knownSecretValues(secrets, { WEFT_SECRET_X: 'value-x', OTHER: 'no' });
      assert.deepEqual([...(await known())].sort(), ['value-a', 'value-x']);
      await secrets.set('AUDIT_B', 'value-b');
      assert.deepEqual([...(await known())].sort(), ['value-a', 'value-b', 'value-x']);
      await secrets.delete('AUDIT_A');
      await secrets.delete('AUDIT_B');
      assert.deepEqual([...(await known())], ['value-x']);
    });

    it('records a call with who, transport, tool, redacted arguments, outcome and target, and reads it back', async () => {
      const audit = new AuditLog(store, { secretValues: () => [STORED_SECRET] });
      const { seq, ts } = await audit.record({
        actor: 'key:weft_abcdefgh',
        transport: 'http',
        tool: 'run_flow',
        arguments: { flow: 'ops/deploy', inputs: { token: 'tok-123456', target: `prod ${STORED_SECRET}` } },
        outcome: 'ok',
        summary: `started ops/deploy-1 with ${STORED_SECRET}`,
        runId: 'ops/deploy-1',
        flow: 'ops/deploy',
      });
      assert.ok(seq > 0);
      const page = await audit.query();
      assert.deepEqual(page.entries, [
        {
          seq,
          ts,
          actor: 'key:weft_abcdefgh',
          transport: 'http',
          tool: 'run_flow',
          arguments: { flow: 'ops/deploy', inputs: { token: '***', target: 'prod ***' } },
          outcome: 'ok',
          summary: 'started ops/deploy-1 with ***',
          runId: 'ops/deploy-1',
          flow: 'ops/deploy',
        },
      ]);
      assert.equal(page.nextCursor, undefined);
      const raw = JSON.stringify(await store.db.selectFrom('audit_log').selectAll().execute());
      assert.ok(!raw.includes(STORED_SECRET) && !raw.includes('tok-123456'), 'no secret reaches the table');
    });

    it('pages newest first with an opaque cursor, and filters by tool, actor, outcome and time', async () => {
      let tick = 0;
      const now = () => {
        tick += 1;
        return new Date(Date.parse('2030-01-01T00:00:00Z') + tick * 1000);
      };
      const audit = new AuditLog(store, { now });
      for (let i = 0; i < 7; i += 1) {
        await audit.record({
          actor: i % 2 ? 'local' : 'key:weft_pagepage',
          transport: i % 2 ? 'stdio' : 'http',
          tool: i < 5 ? 'save_flow' : 'cancel_run',
          arguments: { i },
          outcome: i === 6 ? 'error' : 'ok',
          ...(i === 6 ? { errorCode: 'RUN_NOT_FOUND' } : {}),
        });
      }
      const since = '2030-01-01T00:00:00Z';
      const first = await audit.query({ since, limit: 3 });
      assert.deepEqual(
        first.entries.map((e) => e.arguments),
        [{ i: 6 }, { i: 5 }, { i: 4 }],
      );
      assert.ok(first.nextCursor);
      const second = await audit.query({ since, limit: 3, cursor: first.nextCursor });
      assert.deepEqual(
        second.entries.map((e) => e.arguments),
        [{ i: 3 }, { i: 2 }, { i: 1 }],
      );
      const last = await audit.query({ since, limit: 3, cursor: second.nextCursor });
      assert.deepEqual(
        last.entries.map((e) => e.arguments),
        [{ i: 0 }],
      );
      assert.equal(last.nextCursor, undefined);
      assert.equal((await audit.query({ since, tool: 'cancel_run' })).entries.length, 2);
      assert.deepEqual(
        (await audit.query({ since, actor: 'local', tool: 'save_flow' })).entries.map((e) => e.arguments),
        [{ i: 3 }, { i: 1 }],
      );
      const failed = await audit.query({ since, outcome: 'error' });
      assert.deepEqual(
        failed.entries.map((e) => [e.tool, e.errorCode]),
        [['cancel_run', 'RUN_NOT_FOUND']],
      );
      assert.deepEqual(
        (await audit.query({ since: '2030-01-01T00:00:02Z', until: '2030-01-01T00:00:04Z' })).entries.map((e) => e.arguments),
        [{ i: 2 }, { i: 1 }],
      );
      await assert.rejects(audit.query({ cursor: 'not-a-cursor' }), InvalidCursorError);
      await assert.rejects(audit.query({ limit: 0 }), (e: unknown) => e instanceof AuditInputError && /^audit query limit: /.test(e.message));
      await assert.rejects(
        audit.record({ actor: 'local', transport: 'pigeon' as never, tool: 'run_flow', arguments: {}, outcome: 'ok' }),
        (e: unknown) => e instanceof AuditInputError && e.code === 'AUDIT_INPUT_INVALID' && /^audit record transport: /.test(e.message),
      );
    });

    it('keeps a bounded, marked record of oversized arguments', async () => {
      const audit = new AuditLog(store);
      await audit.record({ actor: 'local', transport: 'stdio', tool: 'save_flow', arguments: { flow: 'y'.repeat(100_000) }, outcome: 'ok' });
      const [entry] = (await audit.query({ limit: 1 })).entries;
      assert.equal((entry?.arguments as { $truncated?: boolean } | undefined)?.$truncated, true);
      const row = await store.db.selectFrom('audit_log').select('arguments').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
      assert.ok(Buffer.byteLength(row.arguments) <= MAX_AUDIT_ARGUMENTS_BYTES);
    });
  });
}
