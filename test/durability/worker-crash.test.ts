// Kills the worker process while a script activity is running; a new worker finishes the run,
// and a side-effect counter proves that no completed task ran twice.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { openStore } from '../../src/services/store/database.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

describe('durability: a worker crash during an activity', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
  });
  after(async () => env.close());

  it('completes the run with a new worker, without re-running completed tasks or using an attempt', async () => {
    // The scripts' workingDir, which the worker allows (WEFT_SCRIPT_WORKING_DIRS): in the sandbox
    // the rest of the file system is read-only, and under a root worker a script runs as nobody.
    const marksDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'marks-'));
    await chmod(marksDir, 0o777);
    const marks = join(marksDir, 'marks.txt');
    const flow = flowFrom(`
id: crash-me
tasks:
  - id: first
    type: script
    language: bash
    workingDir: "${marksDir}"
    script: echo first >> marks.txt
  - id: slow
    type: script
    language: bash
    retry: { maxAttempts: 1 }
    workingDir: "${marksDir}"
    script: |
      echo slow-start >> marks.txt
      for i in 1 2 3 4; do echo "tick $i"; sleep 1; done
      echo slow-end >> marks.txt
  - id: last
    type: script
    language: bash
    workingDir: "${marksDir}"
    script: echo last >> marks.txt
`);
    const workerEnv = { WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir, WEFT_SCRIPT_WORKING_DIRS: marksDir };
    const first = spawnWorker(workerEnv);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    await waitFor('the slow script to start', async () => ((await readFile(marks, 'utf8').catch(() => '')).includes('slow-start') ? true : undefined), 60_000);
    await first.kill('SIGKILL');
    const second = spawnWorker(workerEnv);
    try {
      const view = await waitForRun(env.client, runId);
      assertCompleted(view);
      const lines = (await readFile(marks, 'utf8')).trim().split('\n');
      assert.equal(lines.filter((l) => l === 'first').length, 1, `first ran more than once: ${lines}`);
      assert.equal(lines.filter((l) => l === 'last').length, 1, `last ran more than once: ${lines}`);
      assert.ok(lines.includes('slow-end'));
      assert.equal(taskOf(view, 'slow').attempts, 1, 'a lost worker must not consume an attempt');
      // The script's lines are complete and not doubled, although it ran twice; so are the task
      // events, although the activity wrote its `started` line from both workers and the
      // workflow rebuilt its event buffer by replay on the new one.
      const store = await openStore({ dataDir: env.dataDir });
      try {
        const logs = await new LogService(store).query({ runId, taskId: 'slow' });
        const messages = logs.entries.map((e) => e.message);
        assert.deepEqual(messages.slice(0, 5), ['started', 'tick 1', 'tick 2', 'tick 3', 'tick 4']);
        assert.equal(messages.length, 6, `slow's lines: ${messages}`);
        assert.match(messages[5] ?? '', /^completed in \d+ ms$/);
        const events = await store.db
          .selectFrom('logs')
          .select(['task_id', 'attempt', 'line_id'])
          .where('run_id', '=', runId)
          .where('line_id', 'like', '%|event|%')
          .orderBy('seq', 'asc')
          .execute();
        assert.deepEqual(events.map((e) => `${e.task_id}#${e.attempt} ${e.line_id.slice(e.line_id.lastIndexOf('|') + 1)}`).sort(), [
          'first#1 completed',
          'first#1 started',
          'last#1 completed',
          'last#1 started',
          'slow#1 completed',
          'slow#1 started',
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await second.kill('SIGTERM');
    }
  });

  it('answers the live-state query from a new worker after a crash', async () => {
    const flow = flowFrom(`id: query-after-crash\ntasks:\n  - { id: wait, type: sleep, duration: 30s }\n`);
    const workerEnv = { WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir };
    const first = spawnWorker(workerEnv);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    await waitFor('the sleep to start', async () => ((await getRunningView(env.client, runId)).tasks[0]?.state === 'WAITING' ? true : undefined), 60_000);
    await first.kill('SIGKILL');
    const second = spawnWorker(workerEnv);
    try {
      const view = await waitFor('a replayed state', async () => getRunningView(env.client, runId), 30_000);
      assert.equal(view.tasks[0]?.state, 'WAITING');
      await env.client.workflow.getHandle(runId).terminate('test done');
    } finally {
      await second.kill('SIGTERM');
    }
  });
});
