// Kills the worker process in the middle of an agent's loop, after one model call and one tool
// call completed and while the next model call is in flight. The guarantee: what reached history
// is never done again (the finished model call, the finished tool call's child run and its HTTP
// request); only the call in flight is made once more by the next worker.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentOutput } from '../../src/core/runs/agent-io.js';
import { FlowService } from '../../src/services/flow-service.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { type FakeModelServer, type ModelCall, startFakeModelServer } from '../helpers/fake-model-server.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

/** The last ping the request carries the result of (0: none yet). */
function pinged(call: ModelCall): number {
  const last = call.toolResults.at(-1);
  return last ? Number((JSON.parse(last.content) as { outputs?: { pong?: string } }).outputs?.pong) : 0;
}

describe('durability: a worker crash between two agent tool calls', () => {
  let env: TestEnv;
  let fake: FakeModelServer;
  let tool: TestHttpServer;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    fake = await startFakeModelServer();
    tool = await startHttpServer();
    tool.route('/ping', (req, res) => json(res, 200, { pong: new URL(req.url, tool.url).searchParams.get('n') }));
  });
  after(async () => {
    await env.close();
    await fake.close();
    await tool.close();
  });

  it('resumes after the last completed step: no completed model call or tool call is made again', async () => {
    await new FlowService(env.store).save(`
id: ping
namespace: tools
description: Pings the counter
inputs: [{ id: n, type: integer }]
tasks:
  - { id: call, type: http, url: "${tool.url}/ping?n={{ inputs.n }}" }
outputs: { pong: "{{ outputs.call.body.pong }}" }
`);
    // Call 1 asks for ping 1; call 2 (slow, so the worker dies under it) for ping 2; call 3 answers.
    fake.answer((call) => {
      const done = pinged(call);
      if (done === 0) return { toolCalls: [{ name: 'ping', arguments: { n: 1 } }] };
      if (done === 1) return { toolCalls: [{ name: 'ping', arguments: { n: 2 } }], delayMs: 3000 };
      return { text: 'pinged twice' };
    });
    const flow = flowFrom(`
id: agent-crash
tasks:
  - { id: pinger, type: agent, provider: openai, model: m, prompt: "ping twice", tools: [{ flow: tools/ping }] }
outputs: { answer: "{{ outputs.pinger }}" }
`);
    const workerEnv = {
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATA_DIR: env.dataDir,
      OPENAI_BASE_URL: fake.openaiUrl,
      OPENAI_API_KEY: 'sk-test-openai',
      WEFT_HTTP_ALLOWED_HOSTS: new URL(tool.url).host,
    };
    const first = spawnWorker(workerEnv);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    const secondCall = () => fake.calls.filter((c) => pinged(c) === 1);
    await waitFor('the second model call to reach the provider', async () => (secondCall().length > 0 ? true : undefined), 60_000);
    await first.kill('SIGKILL');
    const second = spawnWorker(workerEnv);
    try {
      const view = await waitForRun(env.client, runId);
      assertCompleted(view);
      const output = view.outputs?.answer as AgentOutput;
      assert.equal(output.text, 'pinged twice');
      assert.deepEqual(
        output.steps.map((s) => [s.tool, s.arguments, s.ok]),
        [
          ['ping', { n: 1 }, true],
          ['ping', { n: 2 }, true],
        ],
      );
      const pings = (n: number) => tool.requests.filter((r) => r.url === `/ping?n=${n}`).length;
      assert.equal(pings(1), 1, 'the tool call that completed before the crash is not made again');
      assert.equal(pings(2), 1);
      assert.equal(fake.calls.filter((c) => pinged(c) === 0).length, 1, 'the completed model call is not made again');
      assert.equal(secondCall().length, 2, 'the model call in flight is made exactly once more');
      assert.equal(fake.calls.length, 4);
      assert.equal(taskOf(view, 'pinger').attempts, 1, 'a lost worker does not use up an attempt');
    } finally {
      await second.kill('SIGTERM');
    }
  });
});
