// The CLI's mutating commands leave audit records (keys, secrets, flows, runs): actor
// `cli:<os user>`, transport `cli`, the outcome, and never a secret value or a token.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AuditEntry, AuditLog } from '../../src/services/security/audit-log.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const SECRET_VALUE = 'cli-audit-secret-value-8f1d2c';
const ACTOR = `cli:${userInfo().username}`;

describe('audit records of CLI commands', () => {
  let env: TestEnv;
  const weft = (args: string[], stdin = '') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: env.dataDir } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin);
    });
  const records = async (tool: string): Promise<AuditEntry[]> => (await new AuditLog(env.store).query({ tool, limit: 100 })).entries;

  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('records key creation and revocation without the token', async () => {
    const created = await weft(['apikey', 'create', '--scope', 'run', '--name', 'ci', '--namespace', 'team-a', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { token: string; prefix: string };
    assert.equal((await weft(['apikey', 'revoke', key.prefix])).code, 0);
    const [create] = await records('apikey_create');
    assert.equal(create?.actor, ACTOR);
    assert.equal(create?.transport, 'cli');
    assert.equal(create?.outcome, 'ok');
    assert.deepEqual(create?.arguments, { scope: 'run', namespace: 'team-a', name: 'ci', allowScripts: false });
    assert.match(create?.summary ?? '', new RegExp(key.prefix));
    const [revoke] = await records('apikey_revoke');
    assert.deepEqual([revoke?.outcome, revoke?.arguments], ['ok', { key: key.prefix }]);
    const refused = await weft(['apikey', 'create', '--scope', 'root']);
    assert.equal(refused.code, 1);
    const [failed] = await records('apikey_create');
    assert.deepEqual([failed?.outcome, failed?.actor], ['error', ACTOR]);
    const all = JSON.stringify(await env.store.db.selectFrom('audit_log').selectAll().execute());
    assert.equal(all.includes(key.token), false);
  });

  it('records secret set and delete, never the value', async () => {
    assert.equal((await weft(['secret', 'set', 'AUDITED', '--namespace', 'team-a'], SECRET_VALUE)).code, 0);
    assert.equal((await weft(['secret', 'delete', 'AUDITED', '--namespace', 'team-a'])).code, 0);
    const [set] = await records('secret_set');
    assert.deepEqual([set?.actor, set?.outcome, set?.arguments], [ACTOR, 'ok', { name: 'AUDITED', namespace: 'team-a' }]);
    const [deleted] = await records('secret_delete');
    assert.deepEqual([deleted?.outcome, deleted?.arguments], ['ok', { name: 'AUDITED', namespace: 'team-a' }]);
    const all = JSON.stringify(await env.store.db.selectFrom('audit_log').selectAll().execute());
    assert.equal(all.includes(SECRET_VALUE), false);
  });

  it('records flow save and delete, and run start, cancel and approval answers', { timeout: 60_000 }, async () => {
    const file = join(env.dataDir, 'audited.yaml');
    await writeFile(
      file,
      'id: audited\nnamespace: team-a\ninputs: [{ id: token, type: string, default: x }]\ntasks:\n  - { id: gate, type: approval, message: "go?" }\n  - { id: nap, type: sleep, duration: 1h }\n',
    );
    assert.equal((await weft(['flow', 'save', file])).code, 0);
    const started = await weft(['run', 'start', 'team-a/audited', '--input', `token=${SECRET_VALUE}`, '--task-queue', env.taskQueue, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    await waitFor('the approval to wait', async () => {
      const answer = await weft(['run', 'approve', runId, 'gate', '--json']);
      return answer.code === 0 ? true : undefined;
    });
    assert.equal((await weft(['run', 'cancel', runId, '--force'])).code, 0);
    assert.equal((await weft(['flow', 'delete', 'team-a/audited'])).code, 0);
    assert.equal((await weft(['run', 'start', 'team-a/missing', '--task-queue', env.taskQueue])).code, 1);

    const [save] = await records('save_flow');
    assert.deepEqual([save?.actor, save?.outcome, save?.transport], [ACTOR, 'ok', 'cli']);
    const runs = await records('run_flow');
    const ok = runs.find((e) => e.outcome === 'ok');
    assert.equal(ok?.runId, runId);
    assert.equal(ok?.flow, 'team-a/audited');
    assert.equal(JSON.stringify(ok?.arguments).includes(SECRET_VALUE), false, 'an input named token is redacted');
    assert.ok(runs.some((e) => e.outcome === 'error' && e.flow === 'team-a/missing' && e.errorCode === 'FLOW_NOT_FOUND'));
    const answers = (await records('respond_to_approval')).filter((e) => e.outcome === 'ok');
    assert.equal(answers[0]?.runId, runId);
    const [cancel] = await records('cancel_run');
    assert.deepEqual([cancel?.runId, cancel?.outcome], [runId, 'ok']);
    const [deleted] = await records('delete_flow');
    assert.deepEqual([deleted?.flow, deleted?.outcome], ['team-a/audited', 'ok']);
  });
});
