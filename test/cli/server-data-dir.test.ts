// `weft server status|stop --data-dir DIR` act on DIR's service, not on WEFT_DATA_DIR's or the
// default one: two data directories, one service, and commands run from the other's environment.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe('weft server status|stop --data-dir', () => {
  let server: ChildProcess | undefined;
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  it('acts on the named data directory, whatever WEFT_DATA_DIR says', { timeout: 180_000 }, async () => {
    const work = process.env.WEFT_TEST_WORK_DIR ?? tmpdir();
    const [dirA, dirB] = [await mkdtemp(join(work, 'server-a-')), await mkdtemp(join(work, 'server-b-'))];
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DATA_DIR: dirB };
    delete env.TEMPORAL_ADDRESS;
    const weft = (...args: string[]) =>
      new Promise<{ code: number; body: Record<string, unknown> }>((resolve) => {
        execFile(process.execPath, [BIN, ...args, '--json'], { env }, (error, stdout) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, body: JSON.parse(stdout) as Record<string, unknown> }),
        );
      });
    let output = '';
    const child = spawn(
      process.execPath,
      [BIN, 'server', '--data-dir', dirA, '--no-mcp', '--port', String(await freePort()), '--ui-port', String(await freePort())],
      { env },
    );
    server = child;
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('weft server to be up', async () => (output.includes('weft server up') ? true : undefined), 90_000, 200);
    const exited = new Promise((resolve) => child.once('exit', resolve));

    const statusA = await weft('server', 'status', '--data-dir', dirA);
    assert.equal(statusA.code, 0);
    assert.equal(statusA.body.running, true);
    assert.equal((statusA.body.service as { pid: number }).pid, child.pid);
    const statusB = await weft('server', 'status', '--data-dir', dirB);
    assert.equal(statusB.code, 3);
    assert.equal(statusB.body.running, false);
    // Without --data-dir, WEFT_DATA_DIR (B) still decides.
    assert.equal((await weft('server', 'status')).body.running, false);

    assert.deepEqual((await weft('server', 'stop', '--data-dir', dirB)).body, { stopped: false });
    assert.equal(child.exitCode, null, 'stopping B left A running');
    const stopA = await weft('server', 'stop', '--data-dir', dirA);
    assert.deepEqual(stopA.body, { stopped: true, pid: child.pid });
    await exited;
    assert.equal((await weft('server', 'status', '--data-dir', dirA)).body.running, false);
  });
});
