// Scripts against the worker's own files and lifetime, with real processes in the real sandbox:
// Weft's data directory, cache, secret key and store stay out of reach; nothing a script starts
// outlives its task; a huge output line is cut, not buffered; a bad workingDir is a clear error.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { executeScript, type ScriptRun } from '../../activities/run-script.js';
import { type ScriptRunnerOptions, scriptRunnerFromEnv } from '../../activities/script-sandbox.js';
import type { ScriptInput, ScriptOutput } from '../../src/core/runs/activity-io.js';
import { LogService } from '../../src/services/log-service.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import { Redactor } from '../../src/services/secrets/redactor.js';
import { loadSecretKey } from '../../src/services/secrets/secret-key.js';
import { AuditLog } from '../../src/services/security/audit-log.js';
import { openStore, type Store } from '../../src/services/store/database.js';

const work = () => mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'sandbox-'));

/** Host processes whose command line holds `token` (zombies have none, so they do not count). */
async function processesWith(token: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(token)) found.push(Number(name));
  }
  return found;
}

async function gone(token: string, withinMs = 2000): Promise<number[]> {
  const until = Date.now() + withinMs;
  let left = await processesWith(token);
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = await processesWith(token);
  }
  return left;
}

async function failureOf(work: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  assert.fail('the script task succeeded');
}

describe('scripts in the sandbox', () => {
  let dataDir: string;
  let cache: string;
  let logStore: Store;
  let weftStore: Store;
  let runner: ScriptRunnerOptions;
  let shared: string;

  before(async () => {
    dataDir = await work();
    cache = await work();
    weftStore = await openStore({ dataDir });
    await loadSecretKey(dataDir, {});
    await new AuditLog(weftStore).record({ actor: 'local', transport: 'cli', tool: 'secret set', arguments: {}, outcome: 'ok' });
    await writeFile(join(cache, 'temporal-build'), 'cached');
    // The run logs live in a store outside the data directory, hidden as a file.
    logStore = await openStore({ dataDir: await work() });
    shared = await work();
    // A script run by a root worker runs as nobody: the directory it may write is writable for it.
    await chmod(shared, 0o777);
    runner = scriptRunnerFromEnv({ ...process.env, WEFT_CACHE_DIR: cache, WEFT_SCRIPT_WORKING_DIRS: shared }, { dataDir, storeFile: logStore.location });
  });
  after(async () => {
    await weftStore.close();
    await logStore.close();
  });

  const script = (body: string, more: Partial<ScriptInput> = {}): ScriptInput => ({
    context: { runId: `sandbox-${randomUUID()}`, taskId: 't', attempt: 1, flow: 'test/sandbox' },
    language: 'bash',
    script: body,
    env: {},
    timeoutMs: 20_000,
    ...more,
  });
  const run = (input: ScriptInput, options: Partial<ScriptRun> = {}): Promise<ScriptOutput> =>
    executeScript(input, { redactor: new Redactor([]), logs: new StoreLogSink(logStore), runner, ...options });
  const logLines = async (runId: string) => (await new LogService(logStore).query({ runId, limit: 1000 })).entries.map((e) => e.message);

  it('hides the data directory, secret key, database, cache and worker environment from a script', async () => {
    process.env.WEFT_SANDBOX_CANARY = 'worker-env-canary';
    const keyBefore = await readFile(join(dataDir, 'secret.key'), 'utf8');
    const out = await run(
      script(
        `
        tries() { if "$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }
        key=$(tries head -c 4 "$DATA/secret.key")
        db=$(tries head -c 4 "$DATA/weft.db")
        del=$(tries python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('delete from audit_log'); c.commit()" "$DATA/weft.db")
        wrote=$(tries sh -c 'echo planted > "$DATA/planted"')
        listed=$(ls -A "$DATA" | wc -l)
        cached=$(ls -A "$CACHE" | wc -l)
        store=$(head -c 16 "$STORE" | wc -c)
        environ=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c worker-env-canary)
        printf '::weft-output::{"key":"%s","db":"%s","del":"%s","wrote":"%s","listed":%s,"cached":%s,"store":%s,"environ":%s}\\n' \\
          "$key" "$db" "$del" "$wrote" "$listed" "$cached" "$store" "$environ"
        `,
        { env: { DATA: dataDir, CACHE: cache, STORE: logStore.location } },
      ),
    );
    delete process.env.WEFT_SANDBOX_CANARY;
    assert.deepEqual(out.outputs, { key: 'no', db: 'no', del: 'no', wrote: 'no', listed: 0, cached: 0, store: 0, environ: 0 });
    assert.equal(await readFile(join(dataDir, 'secret.key'), 'utf8'), keyBefore);
    assert.ok(!(await readdir(dataDir)).includes('planted'));
    const audit = await weftStore.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(audit.n), 1, 'the audit record is still there');
  });

  it('writes its own files in a workingDir the operator allows, with HOME its private work dir', async () => {
    const dir = join(shared, 'job');
    await mkdir(dir);
    await chmod(dir, 0o777);
    const out = await run(script('echo made > made.txt; echo "::weft-output::{\\"home\\": \\"$HOME\\"}"', { workingDir: dir }));
    assert.equal((await readFile(join(dir, 'made.txt'), 'utf8')).trim(), 'made');
    assert.match(String(out.outputs.home), /\/weft-script-[^/]+\/work$/);
  });

  it('kills background and setsid children when the script exits', async () => {
    const token = `weft-orphan-${randomUUID()}`;
    const out = await run(
      script(`
        bash -c 'exec -a ${token}-bg sleep 300' &
        setsid bash -c 'exec -a ${token}-sid sleep 301' &
        sleep 0.3
        echo "::weft-output::{\\"running\\": $(ps -eo args | grep -c '^${token}')}"
      `),
    );
    assert.equal(out.outputs.running, 2, 'both children were running while the script ran');
    assert.deepEqual(await gone(token), [], 'no child outlived the task');
  });

  it('kills a setsid child on timeout and on cancellation', async () => {
    const token = `weft-orphan-${randomUUID()}`;
    const body = (tag: string) => `setsid bash -c 'exec -a ${token}-${tag} sleep 300' &\nsleep 0.2\necho ready\nsleep 60\n`;
    const started = Date.now();
    const timeout = await failureOf(run(script(body('timeout'), { timeoutMs: 1000 })));
    assert.equal(timeout.type, 'ScriptTimeoutError');
    assert.ok(Date.now() - started < 5000, 'the timeout did not wait for the child');
    assert.deepEqual(await gone(token), []);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 800);
    await assert.rejects(run(script(body('cancel')), { signal: abort.signal }), /script cancelled/);
    assert.deepEqual(await gone(token), []);
  });

  it('kills a background child of an unsandboxed script too (WEFT_SCRIPT_RUNNER=process)', async () => {
    const token = `weft-orphan-${randomUUID()}`;
    const plain = scriptRunnerFromEnv({ ...process.env, WEFT_SCRIPT_RUNNER: 'process' }, { dataDir });
    await run(script(`bash -c 'exec -a ${token} sleep 300' &\nsleep 0.2\n`), { runner: plain });
    assert.deepEqual(await gone(token), []);
  });

  it('cuts a 600 MB line without a newline, keeping memory bounded, and refuses an over-long output line', async () => {
    const bytes = 600 * 1024 * 1024;
    const input = script(
      `import sys
chunk = b'x' * (1024 * 1024)
for _ in range(600):
    sys.stdout.buffer.write(chunk)
sys.stdout.buffer.write(b'\\n::weft-output::{"big": "' + b'y' * 70000 + b'"}\\n::weft-output::{"small": 1}\\nafter\\n')
`,
      { language: 'python' },
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const out = await run(input).finally(() => clearInterval(sampler));
    assert.deepEqual(out.outputs, { small: 1 });
    const lines = await logLines(input.context.runId);
    // Shortened, so a failure does not print 64 KiB lines.
    const short = lines.map((l) => (l.length > 200 ? `${l.slice(0, 30)}<${l.length - 150} chars>${l.slice(-120)}` : l));
    assert.equal(short.length, 5, short.join('\n'));
    assert.ok(lines[0]?.startsWith('x'.repeat(65000)), short[0]);
    assert.ok(lines.every((l) => l.length <= 65536));
    assert.match(short[0] ?? '', new RegExp(`^x{30}<\\d+ chars>x+ … \\[line cut: ${bytes} bytes\\]$`));
    assert.match(short[1] ?? '', /^::weft-output::\{"big": "y+<.*>y+ … \[line cut: 70026 bytes\]$/);
    assert.match(short[2] ?? '', /^::weft-output:: line of 70026 bytes refused: longer than 65536 bytes/);
    assert.deepEqual(short.slice(3), ['::weft-output::{"small": 1}', 'after']);
    process.stderr.write(`[script] 600 MB line: rss ${Math.round(before / 2 ** 20)} MB before, peak ${Math.round(peak / 2 ** 20)} MB\n`);
    assert.ok(peak - before < 150 * 2 ** 20, `memory grew by ${Math.round((peak - before) / 2 ** 20)} MB`);
  });

  it('redacts a secret that straddles the cut of an over-long line before cutting it', async () => {
    const secret = 'Straddling-Secret-Value-42';
    // The secret spans the shown head's end (65,536 characters less the marker's 31).
    const input = script(`head -c 65490 /dev/zero | tr '\\0' a; printf %s "$S"; head -c 100000 /dev/zero | tr '\\0' b; echo`, { env: { S: secret } });
    await run(input, { redactor: new Redactor([secret]) });
    const [line] = await logLines(input.context.runId);
    assert.ok(line?.startsWith(`${'a'.repeat(65490)}***b`), line?.slice(65450, 65600));
    assert.ok(!line?.includes(secret.slice(0, 6)), 'no part of the secret is shown');
    assert.match(line ?? '', / … \[line cut: 165516 bytes\]$/);
  });

  it('refuses a workingDir that does not exist, is a file, or lies in the data directory', async () => {
    const missing = join(await work(), 'nope');
    const cases: Array<[string, RegExp]> = [
      [missing, new RegExp(`^workingDir ${missing} does not exist: create it before the task runs`)],
      [join(dataDir, 'secret.key'), /is not a directory/],
      [join(dataDir), /is inside .* hidden from scripts: use a directory outside it/],
    ];
    await mkdir(join(dataDir, 'outputs'), { recursive: true });
    cases.push([join(dataDir, 'outputs'), /is inside .* hidden from scripts/]);
    for (const [dir, message] of cases) {
      const failure = await failureOf(run(script('echo hi', { workingDir: dir })));
      assert.equal(failure.type, 'ScriptSetupError');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, message);
    }
  });

  it('refuses script tasks when the sandbox cannot start, saying how to fix it', async () => {
    const broken = { ...runner, bwrapPath: '/nonexistent/bwrap' };
    const failure = await failureOf(run(script('echo must-not-run > "$F"', { env: { F: join(await work(), 'ran') } }), { runner: broken }));
    assert.equal(failure.type, 'ScriptSetupError');
    assert.match(failure.message, /^script sandbox unavailable: \/nonexistent\/bwrap cannot start a sandbox .*install bubblewrap.*WEFT_SCRIPT_RUNNER=process/);
  });
});

describe('file modes of the data directory', () => {
  it('creates the data directory 0700 and the database, its WAL files and the secret key 0600', async () => {
    const dataDir = join(await work(), 'fresh');
    const store = await openStore({ dataDir });
    await loadSecretKey(dataDir, {});
    const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
    try {
      assert.equal(await modeOf(dataDir), 0o700);
      for (const file of ['weft.db', 'weft.db-wal', 'weft.db-shm', 'secret.key']) assert.equal(await modeOf(join(dataDir, file)), 0o600, file);
    } finally {
      await store.close();
    }
  });

  it('tightens a data directory, database and key file that exist with wider modes', async () => {
    const dataDir = join(await work(), 'old');
    await mkdir(dataDir, { mode: 0o755 });
    const first = await openStore({ dataDir });
    await first.close();
    await loadSecretKey(dataDir, {});
    const { chmod } = await import('node:fs/promises');
    await chmod(dataDir, 0o755);
    for (const file of ['weft.db', 'secret.key']) await chmod(join(dataDir, file), 0o644);
    const store = await openStore({ dataDir });
    await loadSecretKey(dataDir, {});
    try {
      assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
      for (const file of ['weft.db', 'weft.db-wal', 'weft.db-shm', 'secret.key']) assert.equal((await stat(join(dataDir, file))).mode & 0o777, 0o600, file);
    } finally {
      await store.close();
    }
  });
});
