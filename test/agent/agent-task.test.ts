// `agent` tasks in real runs: a real worker on the real Temporal dev server, the official SDK
// clients against a local server speaking both providers' wire formats (tool calls included),
// a saved flow as a tool (child runs) and an MCP server written independently of Weft.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LlmRuntime } from '../../activities/llm-call.js';
import type { McpServices } from '../../mcp/services.js';
import { listTaskTypes, validateFlow } from '../../mcp/tools/flow-tools.js';
import type { AgentOutput } from '../../src/core/runs/agent-io.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { FlowService } from '../../src/services/flow-service.js';
import { checkAgentFlowTools } from '../../src/services/flows/agent-tool-check.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { McpClientPool } from '../../src/services/mcp-client/client-pool.js';
import { checkMcpTasks } from '../../src/services/mcp-client/flow-check.js';
import { parseMcpServers } from '../../src/services/mcp-client/server-config.js';
import { loadPrompts } from '../../src/services/prompts/prompt-library.js';
import { RunService } from '../../src/services/run-service.js';
import type { RunDetail } from '../../src/services/runs/run-detail.js';
import { type FakeModelServer, type ModelCall, startFakeModelServer } from '../helpers/fake-model-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

const GREET_FLOW = `
id: greet
namespace: tools
description: Greets a person by name
inputs: [{ id: name, type: string, description: Who to greet }]
tasks:
  - { id: say, type: set, values: { greeting: "{{ 'hello ' + inputs.name }}" } }
outputs:
  greeting: "{{ outputs.say.greeting }}"
`;

/** A flow whose agent offers the greet flow and two tools of the MCP server. */
function agentFlow(id: string, provider: string, extra = ''): string {
  return `
id: ${id}
tasks:
  - id: helper
    type: agent
    provider: ${provider}
    model: tool-model
    system: You help.
    prompt: Greet Ada, then add 40 and 2.
    tools:
      - { flow: tools/greet }
      - { mcp: everything, tools: [get-sum, echo] }
${extra}
outputs:
  answer: "{{ outputs.helper }}"
`;
}

describe('agent tasks', () => {
  let fake: FakeModelServer;
  let pool: McpClientPool;
  let env: TestEnv;
  let flows: FlowService;
  let runs: RunService;

  before(async () => {
    fake = await startFakeModelServer();
    const promptsDir = await mkdtemp(join(tmpdir(), 'prompts-'));
    await writeFile(
      join(promptsDir, 'triage.md'),
      '---\nname: triage\ndescription: Triage an issue\narguments:\n  - { name: title, description: Issue title, required: true }\n---\nTriage: {{ title }}\n',
    );
    pool = new McpClientPool(parseMcpServers(JSON.stringify({ everything: { command: process.execPath, args: [SERVER, 'stdio'] } })), { get: () => undefined });
    const runtime = (): LlmRuntime => ({
      settings: loadLlmSettings({
        OPENAI_BASE_URL: fake.openaiUrl,
        ANTHROPIC_BASE_URL: fake.url,
        // $1 per 1,000 tokens either way: only the cost-ceiling test uses this model.
        WEFT_LLM_PRICES: JSON.stringify({ 'priced-model': { input: 1000, output: 1000 } }),
        WEFT_LLM_PROVIDERS: JSON.stringify({
          plainopenai: { kind: 'openai', baseUrl: fake.openaiUrl, stream: false },
          plainanthropic: { kind: 'anthropic', baseUrl: fake.url, stream: false },
        }),
      }),
      limit: new ConcurrencyLimit(),
      prompts: () => loadPrompts(promptsDir),
    });
    env = await createTestEnv({ llm: runtime, mcp: pool });
    flows = new FlowService(env.store);
    runs = new RunService(env.client, flows, env.taskQueue);
    await flows.save(GREET_FLOW);
  });
  after(async () => {
    await env.close();
    await pool.close();
    await fake.close();
  });

  async function start(yaml: string): Promise<string> {
    const saved = await flows.save(yaml);
    return (await runs.start({ flow: saved.flow, inputs: {} })).runId;
  }

  function closed(runId: string): Promise<RunDetail> {
    return waitFor(
      'the run to close',
      async () => {
        const detail = await runs.get(runId);
        return detail.state === 'RUNNING' || detail.state === 'WAITING' ? undefined : detail;
      },
      60_000,
    );
  }

  /** The calls the fake server saw for one run's agent (each run's prompt names the flow). */
  function callsOf(from: number): ModelCall[] {
    return fake.calls.slice(from);
  }

  for (const provider of ['openai', 'anthropic', 'plainopenai', 'plainanthropic']) {
    it(`runs a three-step tool loop with a flow tool and MCP tools (${provider}, ${provider.startsWith('plain') ? 'JSON' : 'streaming'})`, async () => {
      const from = fake.calls.length;
      fake.answer((call) => {
        if (call.toolResults.length === 0) return { toolCalls: [{ name: 'greet', arguments: { name: 'Ada' } }], usage: { input: 100, output: 10 } };
        if (call.toolResults.length === 1) {
          return {
            text: 'Now the sum.',
            toolCalls: [
              { name: 'get-sum', arguments: { a: 40, b: 2 } },
              { name: 'echo', arguments: { message: 'done soon' } },
            ],
            usage: { input: 200, output: 20 },
          };
        }
        return { text: 'Ada is greeted and the sum is 42.', usage: { input: 300, output: 30 } };
      });
      const detail = await closed(await start(agentFlow(`loop-${provider}`, provider)));
      assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
      const output = detail.outputs?.answer as AgentOutput;
      assert.equal(output.text, 'Ada is greeted and the sum is 42.');
      assert.deepEqual(
        output.steps.map((s) => [s.tool, s.ok]),
        [
          ['greet', true],
          ['get-sum', true],
          ['echo', true],
        ],
      );
      assert.deepEqual(output.steps[0]?.arguments, { name: 'Ada' });
      assert.match(output.steps[0]?.resultPreview ?? '', /hello Ada/);
      assert.match(output.steps[1]?.resultPreview ?? '', /42/);
      assert.match(output.steps[2]?.resultPreview ?? '', /done soon/);
      assert.deepEqual(output.usage, { inputTokens: 600, outputTokens: 60 });
      const task = detail.tasks.find((t) => t.id === 'helper');
      assert.deepEqual(task?.usage, { inputTokens: 600, outputTokens: 60 });
      // The tool calls are the agent's nested entries in the timeline.
      assert.deepEqual(
        task?.steps?.map((s) => [s.step, s.tool, s.state, s.endedAt !== undefined && Date.parse(s.endedAt) >= Date.parse(s.startedAt)]),
        [
          [1, 'greet', 'COMPLETED', true],
          [2, 'get-sum', 'COMPLETED', true],
          [3, 'echo', 'COMPLETED', true],
        ],
      );
      const calls = callsOf(from);
      assert.equal(calls.length, 3);
      assert.deepEqual(calls[0]?.tools.sort(), ['echo', 'get-sum', 'greet']);
      // Each request carries the results of the calls before it, in the provider's own format.
      assert.match(calls[1]?.toolResults[0]?.content ?? '', /hello Ada/);
      assert.deepEqual(
        calls[2]?.toolResults.map((r) => r.isError),
        [false, false],
      );
      assert.match(calls[2]?.toolResults[0]?.content ?? '', /42/);
      // The flow tool ran as a child run through the run service's path.
      const child = JSON.parse(calls[1]?.toolResults[0]?.content ?? '{}') as { runId: string };
      const childRun = await runs.get(child.runId);
      assert.equal(childRun.state, 'COMPLETED');
      assert.equal(childRun.flow, 'tools/greet');
    });
  }

  it('gives bad arguments, an unknown tool and a failing flow input back to the model as error results', async () => {
    const from = fake.calls.length;
    fake.answer((call) =>
      call.toolResults.length === 0
        ? {
            toolCalls: [
              { name: 'get-sum', arguments: { a: 'one', b: 2 } },
              { name: 'greet', arguments: { nom: 'Ada' } },
              { name: 'launch-rockets', arguments: {} },
            ],
          }
        : { text: 'I could not do it.' },
    );
    const detail = await closed(await start(agentFlow('bad-args', 'openai')));
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    const output = detail.outputs?.answer as AgentOutput;
    assert.deepEqual(
      output.steps.map((s) => s.ok),
      [false, false, false],
    );
    const results = callsOf(from)[1]?.toolResults ?? [];
    assert.equal(results.length, 3);
    assert.match(results[0]?.content ?? '', /McpInvalidArguments.*a/);
    assert.match(results[1]?.content ?? '', /inputs\.name is required/);
    assert.match(results[2]?.content ?? '', /there is no tool "launch-rockets"/);
    assert.ok(results.every((r) => r.isError));
  });

  it('cuts a long tool result before the model gets it, saying how much was left out', async () => {
    const from = fake.calls.length;
    fake.answer((call) => (call.toolResults.length ? { text: 'read it' } : { toolCalls: [{ name: 'echo', arguments: { message: 'y'.repeat(40_000) } }] }));
    const detail = await closed(await start(agentFlow('long-result', 'plainopenai')));
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    const result = callsOf(from)[1]?.toolResults[0]?.content ?? '';
    assert.match(result, /\n\[cut: \d+ more characters\]$/);
    assert.ok(result.length < 32_100, `${result.length} characters`);
  });

  it('fails with AgentMaxStepsError when the model asks for more tool calls than maxSteps', async () => {
    fake.answer(() => ({ toolCalls: [{ name: 'get-sum', arguments: { a: 1, b: 1 } }] }));
    const detail = await closed(await start(agentFlow('max-steps', 'anthropic', '    maxSteps: 2')));
    assert.equal(detail.state, 'FAILED');
    assert.equal(detail.error?.type, 'AgentMaxStepsError');
    assert.match(detail.error?.message ?? '', /reached maxSteps \(2\) and the model still asked for get-sum/);
  });

  for (const approved of [false, true]) {
    it(`waits for a person before an approval-gated tool call, and the model sees the ${approved ? 'result' : 'refusal'}`, async () => {
      const from = fake.calls.length;
      fake.answer((call) =>
        call.toolResults.length === 0 ? { toolCalls: [{ name: 'get-sum', arguments: { a: 1, b: 2 } }] } : { text: `after: ${call.toolResults[0]?.content}` },
      );
      const runId = await start(agentFlow(`approve-${approved}`, 'openai', '    approve: [get-sum]'));
      const pending = await waitFor(
        'the tool call to wait for approval',
        async () => (await runs.get(runId)).approvals.find((a) => a.taskId === 'helper'),
        30_000,
      );
      assert.equal(pending.step, 1);
      assert.deepEqual(
        (await runs.get(runId)).tasks.find((t) => t.id === 'helper')?.steps?.map((s) => [s.step, s.tool, s.state]),
        [[1, 'get-sum', 'WAITING']],
        'the step waits for its approval in the timeline',
      );
      assert.equal(pending.approvers, 'human');
      assert.match(pending.message, /get-sum/);
      await assert.rejects(
        runs.respondToApproval(runId, { taskId: 'helper', step: 1, approved: true, by: 'bot', approver: 'agent' }),
        /needs a person's answer/,
      );
      await runs.respondToApproval(runId, { taskId: 'helper', step: 1, approved, by: 'ada', approver: 'human', comment: 'not today' });
      const detail = await closed(runId);
      assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
      const output = detail.outputs?.answer as AgentOutput;
      assert.equal(output.steps[0]?.ok, approved);
      assert.equal(detail.tasks.find((t) => t.id === 'helper')?.steps?.[0]?.state, approved ? 'COMPLETED' : 'FAILED');
      const result = callsOf(from)[1]?.toolResults[0];
      assert.equal(result?.isError, !approved);
      if (approved) assert.match(result?.content ?? '', /3/);
      else assert.match(result?.content ?? '', /a person refused this call of get-sum \(ada: not today\)/);
    });
  }

  for (const provider of ['openai', 'anthropic']) {
    it(`ends with a structured answer that fits responseSchema after one repair round (${provider})`, async () => {
      const from = fake.calls.length;
      let finals = 0;
      fake.answer((call) => {
        if (call.lastUser.includes('does not match')) return { json: { sum: 42 } };
        if (call.toolResults.length === 0 && finals === 0) return { toolCalls: [{ name: 'get-sum', arguments: { a: 40, b: 2 } }] };
        finals++;
        return { json: { sum: 'forty-two' } };
      });
      const schema = '    responseSchema: { type: object, properties: { sum: { type: integer } }, required: [sum] }';
      const detail = await closed(await start(agentFlow(`schema-${provider}`, provider, schema)));
      assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
      const output = detail.outputs?.answer as AgentOutput;
      assert.deepEqual(output.json, { sum: 42 });
      assert.equal(output.steps.length, 1);
      const calls = callsOf(from);
      assert.equal(calls.length, 3);
      assert.ok(
        calls.every((c) => c.structured && c.tools.length === 3),
        'every call offers the tools and asks for the structured answer',
      );
    });
  }

  it("refuses at start a run whose agent offers a flow tool the starter's rights do not allow", async () => {
    await flows.save('id: scripted\nnamespace: tools\ntasks:\n  - { id: s, type: script, language: bash, script: "echo no" }\n');
    const saved = await flows.save(`
id: offers-script
namespace: tools
tasks:
  - { id: a, type: agent, provider: openai, model: m, prompt: hi, tools: [{ flow: tools/scripted }] }
`);
    await assert.rejects(
      runs.start({ flow: saved.flow, inputs: {} }, undefined, { caller: 'key:test', namespace: 'tools', scripts: false }),
      /tools\/scripted is not allowed .*script task/,
    );
  });

  it('opens the conversation with a prompt template, before the prompt, on every call', async () => {
    const from = fake.calls.length;
    fake.answer((call) => (call.toolResults.length ? { text: 'triaged' } : { toolCalls: [{ name: 'get-sum', arguments: { a: 1, b: 1 } }] }));
    const detail = await closed(
      await start(`
id: templated
tasks:
  - id: helper
    type: agent
    provider: plainanthropic
    model: m
    promptTemplate: triage
    promptArgs: { title: Crash on start }
    prompt: Be brief.
    tools: [{ mcp: everything, tools: [get-sum] }]
`),
    );
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    const calls = callsOf(from);
    assert.equal(calls.length, 2);
    for (const call of calls) {
      const users = (call.body.messages as { role: string; content: unknown }[]).filter((m) => m.role === 'user').map((m) => m.content);
      assert.deepEqual(users.slice(0, 2), ['Triage: Crash on start', 'Be brief.']);
    }
  });

  it('validates tool flows (saved, readable), MCP servers and listed tools, and approve names against the servers', async () => {
    const parsed = parseFlow(`
id: agent-bad
namespace: tools
tasks:
  - id: one
    type: agent
    provider: openai
    model: m
    prompt: hi
    tools:
      - { flow: tools/greet }
      - { flow: tools/missing }
      - { flow: other/secret }
      - { mcp: nowhere }
      - { mcp: everything, tools: [get-sum, no-such-tool] }
  - id: two
    type: agent
    provider: openai
    model: m
    prompt: hi
    tools: [{ mcp: everything }]
    approve: [get-sum, launch]
`);
    assert.ok(parsed.valid, JSON.stringify(parsed.valid ? [] : parsed.problems));
    const flowProblems = await checkAgentFlowTools(parsed.flow, flows, (namespace) => namespace === 'tools');
    assert.deepEqual(
      flowProblems.map((p) => p.path),
      ['tasks[0].tools[1].flow', 'tasks[0].tools[2].flow'],
    );
    assert.match(flowProblems[0]?.message ?? '', /tools\/missing, which is not a saved flow/);
    assert.match(flowProblems[1]?.message ?? '', /outside the namespaces this caller may read/);
    const { errors } = await checkMcpTasks(parsed.flow, pool);
    assert.deepEqual(
      errors.map((e) => e.path),
      ['tasks[0].tools[3].mcp', 'tasks[0].tools[4].tools[1]', 'tasks[1].approve[1]'],
    );
    assert.match(errors[0]?.message ?? '', /MCP server "nowhere" is not configured in this process/);
    assert.match(errors[1]?.message ?? '', /has no tool "no-such-tool"/);
    assert.match(errors[2]?.message ?? '', /names "launch", which is not one of the task's tools/);
  });

  it('stops at maxCostUsd instead of calling tools again, keeps an answer that came past it, and refuses a model with no price', async () => {
    let from = fake.calls.length;
    // Each call costs $0.10 (100 tokens at $1 per 1,000): the third reaches a ceiling of $0.25.
    fake.answer(() => ({ toolCalls: [{ name: 'echo', arguments: { message: 'again' } }], usage: { input: 50, output: 50 } }));
    const priced = (id: string, extra: string) => agentFlow(id, 'openai').replace('model: tool-model', `model: priced-model\n    ${extra}`);
    const stopped = await closed(await start(priced('ceiling', 'maxCostUsd: 0.25')));
    assert.equal(stopped.state, 'FAILED');
    assert.equal(stopped.error?.type, 'AgentCostCeilingError');
    assert.match(stopped.error?.message ?? '', /spent about \$0\.3000 in 3 model call\(s\), reaching its maxCostUsd of \$0\.25/);
    assert.equal(callsOf(from).length, 3, 'no model call after the ceiling');
    assert.equal(stopped.tasks.find((t) => t.id === 'helper')?.attempts, 1, 'the ceiling is never retried');

    from = fake.calls.length;
    fake.answer((call) =>
      call.toolResults.length === 0
        ? { toolCalls: [{ name: 'echo', arguments: { message: 'once' } }], usage: { input: 150, output: 150 } }
        : { text: 'done', usage: { input: 150, output: 150 } },
    );
    const answered = await closed(await start(priced('ceiling-answer', 'maxCostUsd: 0.5')));
    assert.equal(answered.state, 'COMPLETED', JSON.stringify(answered.error));
    assert.equal((answered.outputs?.answer as AgentOutput | undefined)?.text, 'done', 'the answer that went past the ceiling is kept');
    assert.equal(callsOf(from).length, 2);

    const unpriced = await closed(await start(agentFlow('ceiling-unpriced', 'openai').replace('model: tool-model', 'model: tool-model\n    maxCostUsd: 1')));
    assert.equal(unpriced.error?.type, 'AgentCostUnknownError');
    assert.match(unpriced.error?.message ?? '', /model tool-model has no price/);
  });

  it('is reused by a restart once it completed: the model and its tools are not called again, and a changed prompt runs it again', async () => {
    const from = fake.calls.length;
    fake.answer((call) =>
      call.toolResults.length === 0
        ? { toolCalls: [{ name: 'greet', arguments: { name: 'Ada' } }], usage: { input: 10, output: 1 } }
        : { text: 'Ada is greeted.', usage: { input: 20, output: 2 } },
    );
    const yaml = (prompt: string) =>
      agentFlow('restartable', 'openai', '  - { id: after, type: set, values: { said: "{{ outputs.helper.text }}" } }').replace(
        'prompt: Greet Ada, then add 40 and 2.',
        `prompt: ${prompt}`,
      );
    const original = await closed(await start(yaml('Greet Ada.')));
    assert.equal(original.state, 'COMPLETED', JSON.stringify(original.error));
    assert.equal(callsOf(from).length, 2);

    const restarted = await runs.restartRun({ runId: original.runId, fromTask: 'after' });
    assert.deepEqual(restarted.reusable, ['helper']);
    const again = await closed(restarted.runId);
    assert.equal(again.state, 'COMPLETED', JSON.stringify(again.error));
    assert.equal(callsOf(from).length, 2, 'the restart called the model no more');
    const helper = again.tasks.find((t) => t.id === 'helper');
    assert.equal(helper?.reusedFrom, original.runId);
    assert.equal(helper?.usage, undefined, 'a reused task spent no tokens');
    assert.deepEqual(again.outputs?.answer, original.outputs?.answer);
    const greets = (await runs.list({ flow: 'tools/greet', limit: 200 })).runs.filter((r) => r.runId.startsWith(`${restarted.runId}.`));
    assert.deepEqual(greets, [], 'the flow tool started no child run in the restart');

    // The saved flow with another prompt renders another configuration: the agent runs again.
    await flows.save(yaml('Greet Ada, please.'));
    const latest = await runs.restartRun({ runId: original.runId, fromTask: 'after', revision: 'latest' });
    const rerun = await closed(latest.runId);
    assert.equal(rerun.state, 'COMPLETED', JSON.stringify(rerun.error));
    assert.equal(rerun.tasks.find((t) => t.id === 'helper')?.reusedFrom, undefined);
    assert.equal(callsOf(from).length, 4, 'the changed agent called the model again');
  });

  it("answers list_task_types for agent with its fields and the MCP servers, and validate_flow with an agent's problems", async () => {
    const ctx = {
      services: { mcpServers: pool, flows } as unknown as McpServices,
      access: { caller: 'local', toolVisible: () => true, scriptsAllowed: true },
    };
    const call = { signal: new AbortController().signal, progress: async () => undefined };
    const listed = await listTaskTypes.run({ type: 'agent' }, call, ctx);
    const [detail] = listed.structured.types as { type: string; output: string }[];
    assert.equal(detail?.type, 'agent');
    assert.match(detail?.output ?? '', /steps: \[\{ tool, arguments, ok, resultPreview \}\]/);
    assert.deepEqual(
      (listed.structured.mcpServers as { name: string }[]).map((s) => s.name),
      ['everything'],
    );
    const flow =
      'id: v\ntasks:\n  - { id: a, type: agent, provider: openai, model: m, prompt: hi, tools: [{ flow: tools/nope }, { mcp: everything }], approve: [launch] }\n';
    const checked = await validateFlow.run({ flow }, call, ctx);
    assert.equal(checked.structured.valid, false);
    assert.deepEqual(checked.structured.errors.map((e) => e.path).sort(), ['tasks[0].approve[0]', 'tasks[0].tools[0].flow']);
  });
});
