// Restarts the Temporal dev server (on its SQLite file) while a script activity is running;
// the run completes and no completed task runs twice.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { type DevServer, startDevServer } from '../../src/services/temporal/dev-server.js';
import { freePort } from '../helpers/free-port.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

describe('durability: a Temporal server restart during an activity', () => {
  let server: DevServer;
  let env: TestEnv;
  let dir: string;
  let port: number;
  before(async () => {
    port = await freePort();
    dir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'own-temporal-'));
    server = await startDevServer({ dataDir: dir, port, uiPort: false });
    env = await createTestEnv({ startWorker: false, address: server.address });
  });
  after(async () => {
    await env.close();
    await server.stop();
  });

  it('completes the run after the server comes back on the same SQLite file', async () => {
    // The scripts' workingDir, which the worker allows (WEFT_SCRIPT_WORKING_DIRS): in the sandbox
    // the rest of the file system is read-only, and under a root worker a script runs as nobody.
    const marksDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'marks-'));
    await chmod(marksDir, 0o777);
    const marks = join(marksDir, 'marks.txt');
    const flow = flowFrom(`
id: restart-me
tasks:
  - { id: first, type: script, language: bash, workingDir: "${marksDir}", script: 'echo first >> marks.txt' }
  - id: slow
    type: script
    language: bash
    retry: { maxAttempts: 1 }
    workingDir: "${marksDir}"
    script: |
      echo slow-start >> marks.txt
      sleep 5
      echo slow-end >> marks.txt
  - { id: last, type: script, language: bash, workingDir: "${marksDir}", script: 'echo last >> marks.txt' }
`);
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: server.address,
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATA_DIR: env.dataDir,
      WEFT_SCRIPT_WORKING_DIRS: marksDir,
    });
    try {
      const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
      await waitFor(
        'the slow script to start',
        async () => ((await readFile(marks, 'utf8').catch(() => '')).includes('slow-start') ? true : undefined),
        60_000,
      );
      await server.stop();
      server = await startDevServer({ dataDir: dir, port, uiPort: false });
      await env.close();
      env = await createTestEnv({ startWorker: false, address: server.address });
      const view = await waitForRun(env.client, runId);
      assertCompleted(view);
      const lines = (await readFile(marks, 'utf8')).trim().split('\n');
      assert.equal(lines.filter((l) => l === 'first').length, 1, `first ran more than once: ${lines}`);
      assert.equal(lines.filter((l) => l === 'last').length, 1, `last ran more than once: ${lines}`);
      assert.equal(taskOf(view, 'slow').attempts, 1, 'a server restart must not consume an attempt');
    } finally {
      await worker.kill('SIGTERM');
    }
  });
});
