// Kills the worker process while a model call is in flight. The guarantee: a model call whose
// answer reached history is never made again; a call in flight when its worker dies is made
// once more by the next worker (after the heartbeat timeout), so the provider sees at most one
// extra call, and the lost worker does not use up an attempt.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

/** Every byte field of a history (payloads included), decoded as text. */
function payloadText(value: unknown, seen = new Set<unknown>()): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value === null || typeof value !== 'object' || seen.has(value)) return typeof value === 'string' ? value : '';
  seen.add(value);
  return Object.values(value)
    .map((v) => payloadText(v, seen))
    .join('\n');
}

describe('durability: a worker crash during a model call', () => {
  let env: TestEnv;
  let fake: FakeModelServer;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    fake = await startFakeModelServer();
  });
  after(async () => {
    await env.close();
    await fake.close();
  });

  it('finishes the run on a new worker; the provider sees the interrupted call once more, the finished one never again', async () => {
    fake.answer((call) => (call.lastUser === 'slow' ? { text: 'slow answer', delayMs: 3000 } : { text: `answer to ${call.lastUser}` }));
    const flow = flowFrom(`
id: llm-crash
tasks:
  - { id: first, type: llm, provider: openai, model: m, prompt: fast }
  - { id: slow, type: llm, provider: anthropic, model: m, prompt: slow }
outputs: { first: "{{ outputs.first.text }}", slow: "{{ outputs.slow.text }}" }
`);
    const workerEnv = {
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATA_DIR: env.dataDir,
      OPENAI_BASE_URL: fake.openaiUrl,
      ANTHROPIC_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test-openai',
      ANTHROPIC_API_KEY: 'sk-test-anthropic',
    };
    const first = spawnWorker(workerEnv);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    await waitFor('the slow call to reach the provider', async () => (fake.calls.some((c) => c.lastUser === 'slow') ? true : undefined), 60_000);
    await first.kill('SIGKILL');
    const second = spawnWorker(workerEnv);
    try {
      const view = await waitForRun(env.client, runId);
      assertCompleted(view);
      assert.deepEqual(view.outputs, { first: 'answer to fast', slow: 'slow answer' });
      assert.equal(fake.calls.filter((c) => c.lastUser === 'fast').length, 1, 'the finished call is not made again');
      assert.equal(fake.calls.filter((c) => c.lastUser === 'slow').length, 2, 'the interrupted call is made exactly once more');
      assert.equal(taskOf(view, 'slow').attempts, 1, 'a lost worker does not use up an attempt');
      // The API keys never enter history: they are looked up inside the activity.
      const history = payloadText(await env.client.workflow.getHandle(runId).fetchHistory());
      assert.ok(history.includes('slow answer'), 'payloads are decoded for the check');
      assert.equal(history.includes('sk-test-'), false);
    } finally {
      await second.kill('SIGTERM');
    }
  });
});
