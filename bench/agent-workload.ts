// Workload 14: an `agent` task's loop against the same calls made by a plain TypeScript loop on
// Temporal (bench/raw/workflows.ts, rawAgentLoop): a scripted model on loopback speaking the
// chat completions API asks for STEPS calls of server-everything's `echo` tool (stdio), one
// per turn, then answers. Both sides call the model through the official `openai` client and
// the tool through the official MCP client on a kept connection, an activity per call; the
// figure is ms per step (a model call and a tool call) over the whole run.

import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createWeftWorker } from '../src/app/worker/weft-worker.js';
import { FlowService } from '../src/services/flow-service.js';
import { ConcurrencyLimit } from '../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../src/services/llm/provider-config.js';
import { McpClientPool } from '../src/services/mcp-client/client-pool.js';
import { parseMcpServers } from '../src/services/mcp-client/server-config.js';
import { RunService } from '../src/services/run-service.js';
import { alternate, type Harness, rawWorkflowBundle } from './harness.js';
import { type Measure, spreadOf } from './measure.js';
import { createRawAgentActivities } from './raw/agent-activities.js';
import { flow } from './workloads.js';

const SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
/** Tool calls per run: the model asks for one per turn. */
export const AGENT_STEPS = 8;
const MODEL = 'bench-model';

export async function agentLoop(h: Harness, runs: number, say: (line: string) => void): Promise<Measure[]> {
  const model = await startScriptedModel(AGENT_STEPS);
  const mcpServer = { command: process.execPath, args: [SERVER, 'stdio'] };
  const pool = new McpClientPool(parseMcpServers(JSON.stringify({ everything: mcpServer })), { get: () => undefined });
  const rawActivities = createRawAgentActivities({ modelUrl: model.url, mcpServer });
  const connection = await NativeConnection.connect({ address: h.address });
  const weftQueue = `weft-agent-${randomUUID()}`;
  const rawQueue = `raw-agent-${randomUUID()}`;
  const weft = await createWeftWorker({
    connection,
    store: h.store,
    taskQueue: weftQueue,
    dataDir: h.dataDir,
    llm: {
      settings: loadLlmSettings({ WEFT_LLM_PROVIDERS: JSON.stringify({ bench: { kind: 'openai', baseUrl: model.url, stream: false } }) }),
      limit: new ConcurrencyLimit(),
      prompts: async () => [],
    },
    mcp: pool,
  });
  const { rawListTools, rawCallModel, rawCallTool } = rawActivities;
  const raw = await Worker.create({
    connection,
    taskQueue: rawQueue,
    workflowBundle: await rawWorkflowBundle(),
    activities: { rawListTools, rawCallModel, rawCallTool },
  });
  const running = Promise.all([weft.run(), raw.run()]);
  const runService = new RunService(h.client, new FlowService(h.store), weftQueue);
  const agentFlow = flow(`id: agent-loop
namespace: bench
tasks:
  - id: loop
    type: agent
    provider: bench
    model: ${MODEL}
    prompt: go
    tools: [{ mcp: everything, tools: [echo] }]
    maxSteps: ${AGENT_STEPS}
`);
  try {
    const samples = await alternate(
      runs,
      {
        weft: async () => {
          const { runId } = await runService.startUnsaved(agentFlow.spec, agentFlow.yaml, {});
          const state = await runService.waitForClose(runId);
          if (state !== 'COMPLETED') throw new Error(`workload 14: agent run ${runId} ended ${state}: ${JSON.stringify((await runService.get(runId)).error)}`);
        },
        raw: async () => {
          await h.client.workflow.execute('rawAgentLoop', {
            taskQueue: rawQueue,
            workflowId: `raw-agent-${randomUUID()}`,
            args: [MODEL, ['echo'], 'go', AGENT_STEPS],
          });
        },
      },
      100,
    );
    const perStep = (ms: number[]) => ms.map((v) => v / AGENT_STEPS);
    const weftSpread = spreadOf(perStep(samples.weft.ms));
    const rawSpread = spreadOf(perStep(samples.raw.ms));
    say(`workload 14: ${model.calls()} model calls; Weft ${weftSpread.median.toFixed(1)} ms a step, raw ${rawSpread.median.toFixed(1)}`);
    return [
      {
        workload: `14 agent loop, ${AGENT_STEPS} tool calls a run (${runs} runs a side)`,
        weft: weftSpread.median,
        raw: rawSpread.median,
        unit: 'ms per step, p50 (target weft/raw <= 1.15)',
        spread: { weft: weftSpread, raw: rawSpread },
      },
    ];
  } finally {
    weft.shutdown();
    raw.shutdown();
    await running;
    await connection.close();
    await pool.close();
    await rawActivities.close();
    model.server.close();
  }
}

/** A model on loopback (chat completions, no streaming) that asks for `steps` echo calls, one a turn, then answers. */
async function startScriptedModel(steps: number): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { messages?: { role: string }[] };
      const done = (body.messages ?? []).filter((m) => m.role === 'tool').length;
      const message =
        done < steps
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: `call_${done + 1}`, type: 'function', function: { name: 'echo', arguments: JSON.stringify({ message: `step ${done + 1}` }) } },
              ],
            }
          : { role: 'assistant', content: 'done' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${calls}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: MODEL,
          choices: [{ index: 0, message, finish_reason: done < steps ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/v1`, calls: () => calls };
}
