// `weft dev` keeps what it is given across a restart: flow revisions (the store) and idempotency
// keys (Temporal on its SQLite file in the same data directory).

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe('weft dev across a restart', () => {
  let dev: ChildProcess | undefined;
  let output = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TEMPORAL_ADDRESS;

  async function startDev(dataDir: string, port: number): Promise<void> {
    output = '';
    dev = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--ui-port', String(await freePort()), '--data-dir', dataDir, '--no-example'], {
      env: { ...env, WEFT_DATA_DIR: dataDir },
    });
    dev.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('weft dev to be up', async () => (output.includes('Weft is up') ? true : undefined), 90_000, 200);
  }

  async function stopDev(): Promise<void> {
    const child = dev;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }

  after(stopDev);

  it('keeps flow revisions and idempotency keys', { timeout: 240_000 }, async () => {
    const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'dev-'));
    const port = await freePort();
    const cliEnv = { ...env, WEFT_DATA_DIR: dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
    const weft = async (...args: string[]) => JSON.parse((await run(process.execPath, [BIN, ...args, '--json'], { env: cliEnv })).stdout);
    await startDev(dataDir, port);
    const file = join(dataDir, 'keep.yaml');
    await writeFile(
      file,
      'id: keep\nnamespace: dev\ninputs: [{ id: n, type: integer }]\ntasks:\n  - { id: c, type: set, values: { v: "{{ inputs.n }}" } }\noutputs: { v: "{{ outputs.c.v }}" }\n',
    );
    assert.deepEqual((await weft('flow', 'save', file)).saved, [{ flow: 'dev/keep', revision: 1, created: true }]);
    const first = await weft('run', 'start', 'dev/keep', '--input', 'n=7', '--idempotency-key', 'once', '--wait');
    assert.equal(first.state, 'COMPLETED');
    await stopDev();
    await startDev(dataDir, port);
    assert.equal((await weft('flow', 'show', 'dev/keep')).revision, 1);
    assert.deepEqual((await weft('flow', 'save', file)).saved, [{ flow: 'dev/keep', revision: 1, created: false }]);
    const again = await weft('run', 'start', 'dev/keep', '--input', 'n=7', '--idempotency-key', 'once');
    assert.deepEqual(again, { runId: first.runId, started: false });
    const view = await weft('run', 'get', first.runId);
    assert.deepEqual(view.outputs, { v: 7 });
  });
});
