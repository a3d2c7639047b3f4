// Commands that need Temporal wait for it within a bound, say what they wait for, and then fail
// with one line and a hint; a server that comes up during the wait is used. `weft worker` too,
// whose own records are JSON lines (in WEFT_LOG_FILE here), never on stdout.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type DevServer, startDevServer } from '../../src/services/temporal/dev-server.js';
import { freePort } from '../helpers/free-port.js';
import { literal } from '../helpers/regexp-literal.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const STACK_LINE = /^\s+at .+:\d+/m;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function spawnWeft(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; done: Promise<Finished> } {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
  return { child, output: () => stderr, done };
}

async function workDir(prefix: string): Promise<string> {
  return mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), prefix));
}

describe('waiting for Temporal', () => {
  let server: DevServer | undefined;
  after(async () => server?.stop());

  it('gives up after the wait with one line, a hint and a non-zero exit, never a stack trace', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const env = { ...process.env, WEFT_DATA_DIR: await workDir('wait-'), TEMPORAL_ADDRESS: `127.0.0.1:${port}`, WEFT_TEMPORAL_WAIT_SECONDS: '2' };
    const waiting = `waiting for Temporal at 127.0.0.1:${port} (up to 2 s; start it with npm start or set TEMPORAL_ADDRESS)`;
    const [json, text, worker] = await Promise.all([
      spawnWeft(['run', 'list', '--json'], env).done,
      spawnWeft(['run', 'get', 'some-run', '--temporal-wait', '2'], { ...env, WEFT_TEMPORAL_WAIT_SECONDS: '60' }).done,
      spawnWeft(['worker'], env).done,
    ]);

    assert.notEqual(json.code, 0);
    assert.ok(json.ms >= 2000 && json.ms < 20_000, `run list gave up after ${json.ms} ms`);
    assert.equal(json.stderr.trim(), waiting);
    const body = JSON.parse(json.stdout) as { error: { code: string; message: string; hint: string } };
    assert.equal(body.error.code, 'TEMPORAL_UNREACHABLE');
    assert.match(body.error.message, new RegExp(`^cannot reach Temporal at 127\\.0\\.0\\.1:${port} within 2 s: `));
    assert.match(body.error.hint, /npm start/);

    // --temporal-wait wins over the environment; the error is one line after the waiting line.
    assert.notEqual(text.code, 0);
    assert.ok(text.ms < 20_000, `run get gave up after ${text.ms} ms`);
    const lines = text.stderr.trim().split('\n');
    assert.deepEqual(lines.length, 2, text.stderr);
    assert.equal(lines[0], waiting);
    assert.match(lines[1] ?? '', /^error: cannot reach Temporal at \S+ within 2 s: .+ \(hint: start it with `npm start`/);
    assert.equal(text.stdout, '');

    assert.notEqual(worker.code, 0);
    assert.ok(worker.ms >= 2000 && worker.ms < 20_000, `worker gave up after ${worker.ms} ms`);
    assert.match(worker.stderr, new RegExp(`^${literal(waiting)}$`, 'm'));
    assert.match(worker.stderr, /^error: cannot reach Temporal at \S+ within 2 s: .+ \(hint: /m);
    assert.equal(worker.stdout, '');
    for (const result of [json, text, worker]) assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  // The bounds are generous because a loaded CI machine starts the dev server and a worker slowly;
  // a worker that gave up says so on stderr, which the failure message then shows.
  it('uses a server that comes up during the wait (run list, and a worker that logs as JSON)', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const dataDir = await workDir('wait-up-');
    const logFile = join(dataDir, 'weft.log');
    const env = { ...process.env, WEFT_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'default' };
    const list = spawnWeft(['run', 'list', '--json', '--temporal-wait', '90'], env);
    const worker = spawnWeft(['worker', '--temporal-wait', '90'], { ...env, WEFT_TASK_QUEUE: `wait-${port}`, WEFT_LOG_FILE: logFile });
    try {
      await waitFor('the commands to say they are waiting', async () => (list.output().includes('waiting for Temporal') ? true : undefined), 30_000);
      await new Promise((r) => setTimeout(r, 2000));
      server = await startDevServer({ dataDir: join(dataDir, 'temporal'), port, uiPort: false });

      const listed = await list.done;
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(Array.isArray((JSON.parse(listed.stdout) as { runs: unknown[] }).runs));
      assert.doesNotMatch(listed.stderr, /error/);

      const polling = await waitFor(
        'the worker to log that it polls',
        async () => {
          if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}: ${worker.output()}`);
          const records = (await readFile(logFile, 'utf8').catch(() => ''))
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { level: number; msg: string; taskQueues?: string[]; name: string });
          return records.find((r) => r.msg.startsWith('worker polling'));
        },
        90_000,
      );
      assert.deepEqual([polling.level, polling.name, polling.taskQueues], [30, 'weft', [`wait-${port}`]]);
    } finally {
      worker.child.kill('SIGINT');
      list.child.kill('SIGKILL');
    }
    const stopped = await worker.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(stopped.stdout, '', 'stdout stays clean');
    assert.match(await readFile(logFile, 'utf8'), /"msg":"worker stopped"/);
  });
});
