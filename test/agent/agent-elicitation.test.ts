// An agent's approval-gated tool call answered by a person through MCP elicitation: `run_flow`
// waits on the run, the user is asked with the call's tool and arguments, and their answer lets
// the call run (the SDK's Client over Streamable HTTP, the real worker and model SDK clients).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LlmRuntime } from '../../activities/llm-call.js';
import type { AgentOutput } from '../../src/core/runs/agent-io.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { type HttpMcpServer, startHttpMcp, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const GREET_FLOW = `id: greet
namespace: forms
description: Greets a person by name
inputs: [{ id: name, type: string }]
tasks:
  - { id: say, type: set, values: { greeting: "{{ 'hello ' + inputs.name }}" } }
outputs: { greeting: "{{ outputs.say.greeting }}" }
`;

const AGENT_FLOW = `id: greeter
namespace: forms
tasks:
  - id: helper
    type: agent
    provider: openai
    model: m
    prompt: Greet Ada.
    tools: [{ flow: forms/greet }]
    approve: [greet]
outputs: { answer: "{{ outputs.helper }}" }
`;

describe('agent tool calls approved through elicitation', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer();
    const runtime = (): LlmRuntime => ({
      settings: loadLlmSettings({ OPENAI_BASE_URL: fake.openaiUrl }),
      limit: new ConcurrencyLimit(),
      prompts: async () => [],
    });
    env = await createTestEnv({ llm: runtime });
    mcp = await startHttpMcp(env);
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
    await fake.close();
  });

  it('asks the user about the tool call, and the call runs once they approve', async () => {
    fake.answer((call) =>
      call.toolResults.length ? { text: `said: ${call.toolResults[0]?.content}` } : { toolCalls: [{ name: 'greet', arguments: { name: 'Ada' } }] },
    );
    const asked: string[] = [];
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { approved: true, comment: 'fine' } };
    });
    structured(await client.callTool({ name: 'save_flow', arguments: { flow: GREET_FLOW } }));
    structured(await client.callTool({ name: 'save_flow', arguments: { flow: AGENT_FLOW } }));
    const run = structured<{ state: string; outputs: { answer: AgentOutput } }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'forms/greeter', waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
    );
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /agent helper asks to call greet with \{"name":"Ada"\}/);
    assert.equal(run.state, 'COMPLETED', JSON.stringify(run));
    assert.equal(run.outputs.answer.steps[0]?.ok, true);
    assert.match(run.outputs.answer.text, /hello Ada/);
  });
});
