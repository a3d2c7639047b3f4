// Workload 19, first part: `run_flow` with `waitSeconds`, through to the run's result, from 4 MCP
// clients at once over Streamable HTTP, each with its own session on one `weft mcp --http`
// process. Against it, in the same rounds: 4 callers in process doing what the tool does (the run
// service's start, then the same bounded wait with progress), and 4 doing what a Temporal client
// would (the start, then the workflow's result by long poll).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import { waitForRunEnd } from '../src/services/run-waiter.js';
import type { Harness } from './harness.js';
import { type Measure, median, P99_MIN_SAMPLES, percentile, spreadOf } from './measure.js';
import { spawnWeft, waitForHttp } from './weft-process.js';

export const MCP_CLIENTS = 4;
const WAIT_SECONDS = 30;

export interface McpWaitOptions {
  /** Calls a side: rounds of MCP_CLIENTS calls at once. */
  calls: number;
  /** Pause between one side's round and the next side's. */
  settleMs: number;
  say: (line: string) => void;
}

type Side = 'mcp' | 'direct' | 'best';

export async function mcpRunAndWait(h: Harness, o: McpWaitOptions): Promise<Measure[]> {
  const flows = new FlowService(h.store);
  await flows.save(`id: waited\nnamespace: bench\ntasks:\n  - { id: call, type: http, url: "${h.url}/waited" }\n`);
  const runs = new RunService(h.client, flows, h.weftQueue);
  const env = { TEMPORAL_ADDRESS: h.address, WEFT_DATA_DIR: h.dataDir, WEFT_TASK_QUEUE: h.weftQueue, WEFT_LOG_LEVEL: 'warn' };
  const server = await spawnWeft(['mcp', '--http', '--port', '0'], env);
  const clients: Client[] = [];
  try {
    const url = new URL(await waitForHttp(server));
    for (let i = 0; i < MCP_CLIENTS; i++) {
      const client = new Client({ name: `bench-${i}`, version: '1' });
      await client.connect(new StreamableHTTPClientTransport(url));
      clients.push(client);
    }
    const calls: Record<Side, Array<() => Promise<void>>> = {
      mcp: clients.map((client) => async () => {
        const result = (await client.callTool({ name: 'run_flow', arguments: { flow: 'bench/waited', waitSeconds: WAIT_SECONDS } })) as CallToolResult;
        const state = (result.structuredContent as { state?: string } | undefined)?.state;
        if (result.isError || state !== 'COMPLETED') throw new Error(`run_flow answered ${state ?? JSON.stringify(result.content)}`);
      }),
      direct: clients.map(() => async () => {
        const { runId } = await runs.start({ flow: 'bench/waited', trigger: 'mcp' });
        const detail = await waitForRunEnd(runs, runId, WAIT_SECONDS * 1000, { onTaskFinished: () => {} });
        if (detail.state !== 'COMPLETED') throw new Error(`run ${runId} ended ${detail.state}`);
      }),
      best: clients.map(() => async () => {
        const { runId } = await runs.start({ flow: 'bench/waited', trigger: 'mcp' });
        await h.client.workflow.getHandle(runId).result();
      }),
    };
    const samples: Record<Side, number[]> = { mcp: [], direct: [], best: [] };
    const wall: Record<Side, number> = { mcp: 0, direct: 0, best: 0 };
    const round = async (side: Side, record: boolean) => {
      const started = performance.now();
      const times = await Promise.all(
        calls[side].map(async (call) => {
          const start = performance.now();
          await call();
          return performance.now() - start;
        }),
      );
      if (!record) return;
      wall[side] += performance.now() - started;
      samples[side].push(...times);
    };
    for (const side of ['mcp', 'direct', 'best'] as const) await round(side, false);
    const rounds = Math.ceil(o.calls / MCP_CLIENTS);
    for (let r = 0; r < rounds; r++) {
      // ABBA: each side is first, and last, as often as the others.
      const order: Side[] = r % 2 === 0 ? ['mcp', 'direct', 'best'] : ['best', 'direct', 'mcp'];
      for (const side of order) {
        await round(side, true);
        await new Promise((resolve) => setTimeout(resolve, o.settleMs));
      }
      if ((r + 1) % Math.max(1, Math.round(rounds / 5)) === 0) o.say(`workload 19: ${r + 1} of ${rounds} rounds of ${MCP_CLIENTS} calls a side`);
    }
    const n = samples.mcp.length;
    const tailLabel = n >= P99_MIN_SAMPLES ? `p99 (n=${n} a side)` : `max: n too small for p99 (${n} < ${P99_MIN_SAMPLES})`;
    const tail = (v: number[]) => (n >= P99_MIN_SAMPLES ? percentile(v, 99) : Math.max(...v));
    const perSecond = (side: Side) => samples[side].length / (wall[side] / 1000);
    return [
      {
        workload: `19 run_flow waitSeconds over HTTP, ${MCP_CLIENTS} clients, vs start and wait in process`,
        weft: median(samples.mcp),
        raw: median(samples.direct),
        rawBest: median(samples.best),
        unit: 'ms p50 a call (weft - raw: the ms MCP adds; best: start and result by long poll)',
        spread: { weft: spreadOf(samples.mcp), raw: spreadOf(samples.direct), rawBest: spreadOf(samples.best) },
      },
      {
        workload: `19 run_flow waitSeconds over HTTP, ${MCP_CLIENTS} clients (${tailLabel.split(' ')[0]})`,
        weft: tail(samples.mcp),
        raw: tail(samples.direct),
        rawBest: tail(samples.best),
        unit: `ms; ${tailLabel}`,
      },
      {
        workload: `19 run_flow waitSeconds over HTTP, ${MCP_CLIENTS} clients: calls answered a second`,
        weft: perSecond('mcp'),
        raw: perSecond('direct'),
        rawBest: perSecond('best'),
        unit: 'calls/s while the side ran (higher is better)',
      },
    ];
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await server.stop();
  }
}
