import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKeyInvalidError } from '../../src/services/security/api-key-errors.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { AuditLog } from '../../src/services/security/audit-log.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { createTestPostgresDatabase, STORE_KINDS } from '../helpers/stores.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

for (const kind of STORE_KINDS) {
  describe(`weft apikey and weft audit on ${kind}`, () => {
    let dataDir = '';
    let databaseUrl: string | undefined;
    let store: Store;

    const weft = (args: string[]): Promise<CliResult> =>
      new Promise((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DATA_DIR: dataDir };
        if (databaseUrl) env.WEFT_DATABASE_URL = databaseUrl;
        else delete env.WEFT_DATABASE_URL;
        const child = execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => {
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
        child.stdin?.end();
      });

    before(async () => {
      dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'security-cli-'));
      databaseUrl = kind === 'postgres' ? await createTestPostgresDatabase() : undefined;
      store = await openStore({ dataDir, ...(databaseUrl ? { url: databaseUrl } : {}) });
    });
    after(async () => store.close());

    it('creates a key, printing its token once, and the token verifies in the store', async () => {
      const created = await weft(['apikey', 'create', '--scope', 'run', '--namespace', 'team-a', '--name', 'ci', '--allow-scripts']);
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trim();
      assert.match(token, /^weft_[A-Za-z0-9_-]{43}$/, 'the token alone on stdout');
      assert.match(created.stderr, /created API key ci \(weft_\S+, scope run, namespace team-a, scripts allowed\); .*cannot be shown again/);
      const principal = await new ApiKeyService(store).verify(token);
      assert.deepEqual([principal.name, principal.scope, principal.namespace, principal.allowScripts], ['ci', 'run', 'team-a', true]);

      const json = await weft(['apikey', 'create', '--scope', 'read', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const body = JSON.parse(json.stdout) as { token: string; prefix: string; scope: string; note: string; namespace?: string };
      assert.equal(body.scope, 'read');
      assert.equal(body.namespace, undefined);
      assert.ok(body.token.startsWith(body.prefix));
      assert.match(body.note, /cannot be shown again/);
    });

    it('lists keys without their tokens, as a table and as JSON', async () => {
      const created = await weft(['apikey', 'create', '--scope', 'admin', '--name', 'ops']);
      const token = created.stdout.trim();
      const table = await weft(['apikey', 'list']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^PREFIX +NAME +SCOPE +NAMESPACE +SCRIPTS +CREATED +LAST USED +STATE +ID$/m);
      assert.match(table.stdout, new RegExp(`^${token.slice(0, 13)} +ops +admin +\\* +yes .* active `, 'm'));
      const json = await weft(['apikey', 'list', '--json']);
      const { keys } = JSON.parse(json.stdout) as { keys: Array<{ name: string; scope: string }> };
      assert.ok(keys.some((k) => k.name === 'ops' && k.scope === 'admin'));
      assert.ok(!table.stdout.includes(token) && !json.stdout.includes(token));
      assert.ok(!json.stdout.includes(token.slice(13)));
    });

    it('revokes by prefix, after which the token is refused; a second revoke says so', async () => {
      const token = (await weft(['apikey', 'create', '--scope', 'read', '--name', 'temp'])).stdout.trim();
      const prefix = token.slice(0, 13);
      const revoked = await weft(['apikey', 'revoke', prefix]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout.trim(), `revoked API key temp (${prefix})`);
      await assert.rejects(new ApiKeyService(store).verify(token), (e: unknown) => e instanceof ApiKeyInvalidError && e.reason === 'revoked');
      const again = await weft(['apikey', 'revoke', prefix, '--json']);
      assert.equal(again.code, 0);
      assert.equal((JSON.parse(again.stdout) as { revoked: boolean }).revoked, false);
    });

    it('fails bad input with one line and a hint (or a JSON error), exiting 1', async () => {
      const scope = await weft(['apikey', 'create', '--scope', 'root']);
      assert.equal(scope.code, 1);
      assert.equal(scope.stderr, 'error: API key scope must be read, run or admin (got "root") (hint: e.g. weft apikey create --scope run)\n');
      const missing = await weft(['apikey', 'create', '--json']);
      assert.equal(missing.code, 1);
      assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'API_KEY_OPTIONS_INVALID');
      const unknown = await weft(['apikey', 'revoke', 'weft_nothing1']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^error: API key weft_nothing1 not found: .*\(hint: `weft apikey list` shows ids and prefixes\)\n$/);
      const limit = await weft(['audit', '--limit', '0']);
      assert.equal(limit.code, 1);
      assert.match(limit.stderr, /^error: --limit must be an integer 1-500 \(got 0\)/);
      const since = await weft(['audit', '--since', 'yesterday', '--json']);
      assert.equal(since.code, 1);
      assert.equal((JSON.parse(since.stdout) as { error: { code: string } }).error.code, 'INVALID_TIME');
    });

    it('shows the audit log newest first, filtered and paged with a cursor', async () => {
      const audit = new AuditLog(store);
      // The apikey commands above left records of their own (actor cli:<user>); none of this actor yet.
      const empty = await weft(['audit', '--actor', 'key:weft_abcdefgh']);
      assert.equal(empty.stdout.trim(), 'no audit entries');
      await audit.record({
        actor: 'local',
        transport: 'stdio',
        tool: 'save_flow',
        arguments: { flow: 'id: a' },
        outcome: 'ok',
        summary: 'saved team-a/a rev 1',
        flow: 'team-a/a',
      });
      await audit.record({
        actor: 'key:weft_abcdefgh',
        transport: 'http',
        tool: 'run_flow',
        arguments: { flow: 'team-a/a', inputs: { password: 'hunter22' } },
        outcome: 'ok',
        summary: 'started team-a/a-1',
        runId: 'team-a/a-1',
        flow: 'team-a/a',
      });
      await audit.record({
        actor: 'key:weft_abcdefgh',
        transport: 'http',
        tool: 'cancel_run',
        arguments: { runId: 'x' },
        outcome: 'error',
        errorCode: 'RUN_NOT_FOUND',
      });

      const table = await weft(['audit']);
      assert.equal(table.code, 0, table.stderr);
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0] ?? '', /^TIME +ACTOR +VIA +TOOL +OUTCOME +TARGET +SUMMARY$/);
      assert.match(lines[1] ?? '', / key:weft_abcdefgh +http +cancel_run +error RUN_NOT_FOUND +-$/);
      assert.match(lines[2] ?? '', / key:weft_abcdefgh +http +run_flow +ok +team-a\/a-1 +started team-a\/a-1$/);
      assert.match(lines[3] ?? '', / local +stdio +save_flow +ok +team-a\/a +saved team-a\/a rev 1$/);

      const json = await weft(['audit', '--tool', 'run_flow', '--json']);
      const page = JSON.parse(json.stdout) as { entries: Array<{ arguments: unknown; actor: string }>; nextCursor?: string };
      assert.deepEqual(
        page.entries.map((e) => e.arguments),
        [{ flow: 'team-a/a', inputs: { password: '***' } }],
      );
      assert.ok(!json.stdout.includes('hunter22'));

      const first = await weft(['audit', '--actor', 'key:weft_abcdefgh', '--limit', '1', '--json']);
      const firstPage = JSON.parse(first.stdout) as { entries: Array<{ tool: string }>; nextCursor?: string };
      assert.deepEqual(
        firstPage.entries.map((e) => e.tool),
        ['cancel_run'],
      );
      assert.ok(firstPage.nextCursor);
      const textFirst = await weft(['audit', '--actor', 'key:weft_abcdefgh', '--limit', '1']);
      assert.match(textFirst.stderr, new RegExp(`more: weft audit --cursor ${firstPage.nextCursor}`));
      const second = await weft(['audit', '--actor', 'key:weft_abcdefgh', '--limit', '1', '--cursor', firstPage.nextCursor ?? '', '--json']);
      const secondPage = JSON.parse(second.stdout) as { entries: Array<{ tool: string }>; nextCursor?: string };
      assert.deepEqual(
        secondPage.entries.map((e) => e.tool),
        ['run_flow'],
      );
      assert.equal(secondPage.nextCursor, undefined);
      const future = await weft(['audit', '--since', '2999-01-01T00:00:00Z', '--json']);
      assert.deepEqual(JSON.parse(future.stdout), { entries: [] });
    });
  });
}
