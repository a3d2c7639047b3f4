// Workload 6: what the MCP layer costs. The same run started by a direct service call (in
// process, what the MCP tool itself calls) and through `run_flow` on a real `weft mcp`
// process over stdio and over Streamable HTTP; latency of the read tools with 10,000 log
// lines stored; the size of `tools/list`.

import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FlowService } from '../src/services/flow-service.js';
import { StoreLogSink } from '../src/services/logs/store-log-sink.js';
import { RunService } from '../src/services/run-service.js';
import type { Harness } from './harness.js';
import { type Measure, median, P99_MIN_SAMPLES, spreadOf } from './measure.js';
import { spawnWeft, waitForHttp } from './weft-process.js';

const FLOW = 'id: tiny\nnamespace: bench\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n';
const LOG_LINES = 10_000;

async function timings(calls: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  await fn(-1);
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn(i);
    out.push(performance.now() - start);
  }
  return out;
}

/** Timings of each call in turn, `calls` rounds after one warm-up round. */
export async function interleavedTimings(calls: number, fns: Array<() => Promise<unknown>>): Promise<number[][]> {
  for (const fn of fns) await fn();
  const out = fns.map(() => [] as number[]);
  for (let i = 0; i < calls; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      out[k]?.push(performance.now() - start);
    }
  }
  return out;
}

function ok(result: unknown): CallToolResult {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`bench tool call failed: ${JSON.stringify(r.content)}`);
  return r;
}

export async function mcpOverhead(h: Harness, calls: number): Promise<Measure[]> {
  const flows = new FlowService(h.store);
  await flows.save(FLOW);
  const runs = new RunService(h.client, flows, h.weftQueue);
  // The runs these calls start go to a task queue no worker polls: the worker shares this
  // process with the clients, and a run it executes right away delays the answer to whichever
  // call comes back after the run's first task reached the worker, that is the MCP calls, with
  // their extra hop. A real MCP client is a process of its own. The start is the same either way.
  const unpolled = `unpolled-${randomUUID()}`;
  const starts = new RunService(h.client, flows, unpolled);
  const env = { TEMPORAL_ADDRESS: h.address, WEFT_DATA_DIR: h.dataDir, WEFT_TASK_QUEUE: unpolled, WEFT_LOG_LEVEL: 'warn' };

  const stdio = new Client({ name: 'bench', version: '1' });
  await stdio.connect(
    new StdioClientTransport({ command: process.execPath, args: [spawnWeft.bin, 'mcp'], env: { ...(process.env as Record<string, string>), ...env } }),
  );
  const listBytes = JSON.stringify(await stdio.listTools()).length;
  const server = await spawnWeft(['mcp', '--http', '--port', '0'], env);
  const url = await waitForHttp(server);
  const http = new Client({ name: 'bench', version: '1' });
  await http.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    // The three ways take turns, call by call, so drift in the machine's load (and the runs the
    // worker executes meanwhile) falls on each alike.
    const [direct = [], overStdio = [], overHttp = []] = await interleavedTimings(calls, [
      () => starts.start({ flow: 'bench/tiny' }),
      async () => ok(await stdio.callTool({ name: 'run_flow', arguments: { flow: 'bench/tiny' } })),
      async () => ok(await http.callTool({ name: 'run_flow', arguments: { flow: 'bench/tiny' } })),
    ]);

    // Reads against a store holding 10,000 log lines of one run.
    const { runId } = await runs.start({ flow: 'bench/tiny' });
    const now = Date.now();
    await new StoreLogSink(h.store).write(
      Array.from({ length: LOG_LINES }, (_, i) => ({
        id: `${runId}|bench|${i}`,
        runId,
        flow: 'bench/tiny',
        taskId: `t${i % 20}`,
        attempt: 1,
        level: i % 50 === 0 ? ('warn' as const) : ('info' as const),
        message: `line ${i} processed record ${i * 7} of batch ${i % 13}${i % 97 === 0 ? ' needle' : ''}`,
        time: new Date(now + i).toISOString(),
      })),
    );
    const [directGet = [], getRun = []] = await interleavedTimings(calls, [
      () => runs.get(runId),
      async () => ok(await http.callTool({ name: 'get_run', arguments: { runId } })),
    ]);
    const listRuns = await timings(calls, async () => ok(await http.callTool({ name: 'list_runs', arguments: { flow: 'bench/tiny', limit: 20 } })));
    const tail = await timings(calls, async () => ok(await http.callTool({ name: 'query_logs', arguments: { runId, tail: 100 } })));
    const search = await timings(calls, async () => ok(await http.callTool({ name: 'query_logs', arguments: { runId, contains: 'needle', limit: 100 } })));
    const p50 = (v: number[]) => median(v);
    // A p99 needs at least 100 calls; with fewer (--quick) the row shows the largest call and says so.
    const tailOf = (v: number[]) => {
      const p99 = spreadOf(v).p99;
      return p99 === null
        ? { value: Math.max(...v), label: `max: n too small for p99 (${v.length} < ${P99_MIN_SAMPLES})` }
        : { value: p99, label: `p99 (n=${v.length})` };
    };
    const withSpread = (workload: string, weft: number[], raw: number[], unit: string): Measure => ({
      workload,
      weft: p50(weft),
      raw: p50(raw),
      unit,
      spread: { weft: spreadOf(weft), raw: spreadOf(raw) },
    });
    const tailRow = (workload: string, v: number[]): Measure => {
      const tail = tailOf(v);
      return { workload: `${workload} (${tail.label.split(':')[0]} vs p50)`, weft: tail.value, raw: p50(v), unit: `ms; ${tail.label}` };
    };
    return [
      withSpread('6 run_flow over stdio vs direct start', overStdio, direct, 'ms p50 (weft - raw: the ms MCP adds)'),
      withSpread('6 run_flow over HTTP vs direct start', overHttp, direct, 'ms p50 (weft - raw: the ms MCP adds)'),
      withSpread('6 get_run over HTTP vs direct get', getRun, directGet, 'ms p50'),
      tailRow('6 list_runs over HTTP', listRuns),
      tailRow(`6 query_logs tail 100 of ${LOG_LINES}`, tail),
      tailRow(`6 query_logs full-text of ${LOG_LINES}`, search),
      { workload: '6 tools/list size vs 14 KB budget', weft: listBytes, raw: 14_000, unit: 'bytes' },
    ];
  } finally {
    await stdio.close();
    await http.close();
    await server.stop();
  }
}
