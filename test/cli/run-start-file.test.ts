// `weft run start FILE` goes through the run service like a saved flow: an idempotency key
// names one run, a repeat attaches to it, different inputs under the same key are refused,
// and the run reads back like any other.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const HELLO = join(import.meta.dirname, '..', '..', 'examples', 'hello.yaml');

describe('weft run start with a flow file', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env?.close());

  function weft(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: env.dataDir } }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  it('starts one run for one --idempotency-key: the second start says started: false', async () => {
    const args = ['run', 'start', HELLO, '--idempotency-key', 'release-7', '--task-queue', env.taskQueue, '--json'];
    const first = await weft(args);
    assert.equal(first.code, 0, first.stderr);
    const one = JSON.parse(first.stdout) as { runId: string; started: boolean };
    assert.deepEqual([one.started, one.runId.startsWith('examples.hello-')], [true, true]);
    const second = await weft(args);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), { runId: one.runId, started: false });
    // --wait attaches to the same run and prints it once it ends.
    const waited = await weft([...args, '--wait']);
    assert.equal(waited.code, 0, waited.stderr);
    const view = JSON.parse(waited.stdout) as { runId: string; flow: string; state: string; outputs: Record<string, unknown> };
    assert.deepEqual([view.runId, view.flow, view.state, view.outputs], [one.runId, 'examples/hello', 'COMPLETED', { greeting: 'Hello, world', letters: 5 }]);
  });

  it('refuses the same key with different inputs, as for a saved flow', async () => {
    const args = ['run', 'start', HELLO, '--idempotency-key', 'greet-ada', '--task-queue', env.taskQueue, '--json'];
    const first = await weft([...args, '--input', 'name=Ada']);
    assert.equal(first.code, 0, first.stderr);
    const conflict = await weft([...args, '--input', 'name=Grace']);
    assert.equal(conflict.code, 1);
    const body = JSON.parse(conflict.stdout) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'IDEMPOTENCY_CONFLICT');
    assert.match(body.error.message, new RegExp(`already started run ${(JSON.parse(first.stdout) as { runId: string }).runId} with different inputs`));
  });
});
