// The worker's console (what `weft dev` and `weft worker` print) when tasks fail as flows expect:
// one readable record per failure, naming run, task, attempt and error, and no stack trace.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

describe("the worker's console on expected task failures", () => {
  let env: TestEnv;
  let worker: WorkerProcess;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    worker = spawnWorker({ WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir, WEFT_LOG_LEVEL: 'info' });
  });
  after(async () => {
    await worker.kill('SIGTERM');
    await env.close();
  });

  it('prints one line per failed attempt and one for the failed run, without a stack', async () => {
    const flow = flowFrom(`
id: console-fail
tasks:
  - id: build
    type: script
    language: bash
    retry: { maxAttempts: 2, initialInterval: 100ms }
    script: |
      echo "compiling" >&2
      echo "error: missing semicolon" >&2
      exit 3
`);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    const view = await waitForRun(env.client, runId);
    assert.equal(view.state, 'FAILED');
    const records = await waitFor(
      'the failures in the worker console',
      async () => {
        const lines = worker
          .output()
          .split('\n')
          .filter((l) => l.includes(runId));
        return lines.length >= 3 ? lines : undefined;
      },
      20_000,
    );
    const failures = records.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      failures.map((r) => [r.msg, r.task, r.attempt, r.errorType]),
      [
        [
          `Activity failed (run ${runId} task build attempt 1): ScriptExitError: ${String(failures[0]?.msg).split('ScriptExitError: ')[1]}`,
          'build',
          1,
          'ScriptExitError',
        ],
        [
          `Activity failed (run ${runId} task build attempt 2): ScriptExitError: ${String(failures[1]?.msg).split('ScriptExitError: ')[1]}`,
          'build',
          2,
          'ScriptExitError',
        ],
        [`Workflow failed (run ${runId}): task build failed: script exited with code 3: error: missing semicolon`, undefined, undefined, undefined],
      ],
    );
    assert.match(String(failures[0]?.msg), /ScriptExitError: script exited with code 3/);
    for (const record of failures) assert.equal(record.err, undefined, `a stack or error object in ${JSON.stringify(record)}`);
    const output = worker.output();
    assert.ok(!/"stack"|\\n\s+at /.test(output), `a stack trace in the console:\n${output}`);
  });
});
