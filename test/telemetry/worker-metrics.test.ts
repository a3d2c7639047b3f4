// A standalone `weft worker` with WEFT_WORKER_METRICS_PORT serves its own Prometheus metrics:
// the runs it ended by flow and state, its task durations, and its model calls' tokens and cost
// (a real OpenAI client against a loopback server speaking the provider's API).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

describe('a standalone worker’s metrics port', () => {
  let env: TestEnv;
  let fake: FakeModelServer;
  let worker: WorkerProcess;
  let metricsUrl: string;

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    fake = await startFakeModelServer();
    worker = spawnWorker({
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATA_DIR: env.dataDir,
      WEFT_LOG_LEVEL: 'info',
      WEFT_WORKER_METRICS_PORT: '0',
      OPENAI_BASE_URL: fake.openaiUrl,
      OPENAI_API_KEY: 'sk-test-openai',
      // Per million tokens: 10 input and 5 output tokens cost 10 + 10 = 20 USD.
      WEFT_LLM_PRICES: JSON.stringify({ 'priced-model': { input: 1_000_000, output: 2_000_000 } }),
    });
    metricsUrl = await waitFor(
      'the worker to say where its metrics are',
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`weft worker exited: ${worker.output()}`);
        return /worker metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(worker.output())?.[1];
      },
      120_000,
      200,
    );
  });
  after(async () => {
    await worker?.kill('SIGTERM');
    await fake?.close();
    await env?.close();
  });

  it('counts completed and failed runs by flow, task durations by type, and model tokens and cost', { timeout: 120_000 }, async () => {
    fake.answer(() => ({ text: 'hello', usage: { input: 10, output: 5 } }));
    const asked = flowFrom('id: asked\nnamespace: metrics\ntasks:\n  - { id: ask, type: llm, provider: openai, model: priced-model, prompt: hi }\n');
    const failing = flowFrom('id: failing\nnamespace: metrics\ntasks:\n  - { id: stop, type: fail, message: "no" }\n');
    const completed = await startRun(env.client, { flow: asked, taskQueue: env.taskQueue });
    assert.equal((await waitForRun(env.client, completed.runId)).state, 'COMPLETED');
    const failed = await startRun(env.client, { flow: failing, taskQueue: env.taskQueue });
    assert.equal((await waitForRun(env.client, failed.runId)).state, 'FAILED');
    const text = await waitFor(
      'both runs in the worker’s metrics',
      async () => {
        const body = await (await fetch(metricsUrl)).text();
        return /weft_runs_failed_total\{flow="metrics\/failing"[^}]*\} 1\b/.test(body) ? body : undefined;
      },
      30_000,
      250,
    );
    assert.match(text, /weft_runs_completed_total\{flow="metrics\/asked"[^}]*\} 1\b/);
    assert.doesNotMatch(text, /weft_runs_completed_total\{flow="metrics\/failing"/);
    assert.match(text, /weft_task_duration_count\{task_type="llm",state="COMPLETED"[^}]*\} 1\b/);
    assert.match(text, /weft_task_duration_count\{task_type="fail",state="FAILED"[^}]*\} 1\b/);
    assert.match(text, /weft_model_tokens_total\{provider="openai",model="priced-model",direction="input"[^}]*\} 10\b/);
    assert.match(text, /weft_model_tokens_total\{provider="openai",model="priced-model",direction="output"[^}]*\} 5\b/);
    assert.match(text, /weft_model_cost_total\{provider="openai",model="priced-model"[^}]*\} 20\b/);
    assert.match(text, /weft_activity_queue_wait_count\{activity_type="callLlm"[^}]*\} 1\b/);
  });
});
