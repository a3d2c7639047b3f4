// Two data directories never silently share one Temporal server or task queue. With `weft dev`
// up on data directory A, a `weft dev` for B on A's port is refused with what to do; a worker of
// B pointed at A's server on purpose is refused the queue A's workers serve, while another worker
// of A joins it; a CLI command of B that reaches A's service says so on stderr, one of A does not.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

interface Spawned {
  child: ChildProcess;
  output: () => string;
  done: Promise<number>;
}

describe('two data directories, one machine', () => {
  const started: ChildProcess[] = [];
  const base: NodeJS.ProcessEnv = { ...process.env, WEFT_LOG_LEVEL: 'info' };
  delete base.TEMPORAL_ADDRESS;
  delete base.WEFT_TASK_QUEUE;

  function weft(args: string[], env: NodeJS.ProcessEnv): Spawned {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const done = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    return { child, output: () => output, done };
  }

  after(async () => {
    for (const child of started.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to join another data directory’s server or queue, and says when a command reaches one', { timeout: 300_000 }, async () => {
    const work = process.env.WEFT_TEST_WORK_DIR ?? tmpdir();
    const [dirA, dirB] = [await mkdtemp(join(work, 'dir-a-')), await mkdtemp(join(work, 'dir-b-'))];
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const devA = weft(['dev', '--port', String(port), '--ui-port', String(await freePort()), '--mcp-port', String(await freePort()), '--no-example'], {
      ...base,
      WEFT_DATA_DIR: dirA,
    });
    await waitFor('weft dev of A', async () => (devA.output().includes('Weft is up') ? true : undefined), 120_000, 200);

    // A second weft dev for B on A's port: refused, saying what to do; it never says it is up.
    const devB = weft(['dev', '--port', String(port), '--ui-port', String(await freePort()), '--mcp-port', String(await freePort()), '--no-example'], {
      ...base,
      WEFT_DATA_DIR: dirB,
    });
    assert.notEqual(await devB.done, 0);
    assert.doesNotMatch(devB.output(), /Weft is up/);
    assert.match(devB.output(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(devB.output(), /--port P --ui-port P --mcp-port P/);
    assert.match(devB.output(), new RegExp(`TEMPORAL_ADDRESS=127\\.0\\.0\\.1:${port}`));

    // A worker of B aimed at A's server on purpose still may not take A's queue.
    const workerB = weft(['worker'], { ...base, WEFT_DATA_DIR: dirB, TEMPORAL_ADDRESS: address });
    assert.notEqual(await workerB.done, 0);
    assert.match(workerB.output(), /TASK_QUEUE_IN_USE|task queue weft is served by workers of another store/);
    assert.ok(workerB.output().includes(dirA), 'the refusal names the other data directory');

    // Another worker of A (the same store) joins A's queue: scale-out keeps working.
    const workerA = weft(['worker'], { ...base, WEFT_DATA_DIR: dirA, TEMPORAL_ADDRESS: address });
    await waitFor('the second worker of A to poll', async () => (workerA.output().includes('worker polling task queue weft') ? true : undefined), 60_000, 200);
    assert.equal(workerA.child.exitCode, null);

    // A CLI command of B that reaches A's service says so, once; one of A does not.
    const listB = weft(['run', 'list', '--json'], { ...base, WEFT_DATA_DIR: dirB, TEMPORAL_ADDRESS: address });
    assert.equal(await listB.done, 0, listB.output());
    const notices = listB
      .output()
      .split('\n')
      .filter((line) => line.includes('serves another data directory'));
    assert.equal(notices.length, 1, listB.output());
    assert.ok(notices[0]?.includes(dirA) && notices[0]?.includes(dirB), notices[0]);
    const listA = weft(['run', 'list', '--json'], { ...base, WEFT_DATA_DIR: dirA, TEMPORAL_ADDRESS: address });
    assert.equal(await listA.done, 0, listA.output());
    assert.doesNotMatch(listA.output(), /serves another data directory/);

    assert.equal(devA.child.exitCode, null, 'A is still up');
  });
});
