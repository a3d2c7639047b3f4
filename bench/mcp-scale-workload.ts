// Workload 19, second part: the read tools at scale. `list_runs` reads Temporal's visibility and
// `query_logs` Weft's store, so each is timed on both backends a deployment chooses between: the
// dev server's SQLite with Weft's SQLite file, and a real Temporal server with PostgreSQL
// persistence and visibility beside Weft's store on the same PostgreSQL. Each read is timed
// through a `weft mcp --http` process at 1% of the data, then again once the rest is added: the
// baseline is the same read, on the same servers, in the same run.
//
// The runs are real workflow executions carrying Weft's search attributes, started on a task queue
// no worker polls with a one-second execution timeout: the server closes each (TIMED_OUT) with no
// worker, so building 100,000 costs the server's start path and nothing else. The log lines go in
// by the store's own batched insert, the one run logs take.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { WEFT_FLOW, WEFT_NAMESPACE, WEFT_REVISION, WEFT_TRIGGER, WEFT_WAITING } from '../src/core/runs/search-attributes.js';
import { StoreLogSink } from '../src/services/logs/store-log-sink.js';
import { openStore, type Store } from '../src/services/store/database.js';
import { ensureSearchAttributes } from '../src/services/temporal/search-attributes.js';
import { startPrivatePostgres } from '../testbed/private-postgres.js';
import { startPrivateTemporalServer } from '../testbed/private-temporal-server.js';
import { freePorts } from './free-port.js';
import type { Harness } from './harness.js';
import { interleavedTimings } from './mcp-workload.js';
import { type Measure, median, P99_MIN_SAMPLES, percentile, spreadOf } from './measure.js';
import { spawnWeft, waitForHttp } from './weft-process.js';

export type ScaleBackend = 'sqlite' | 'postgres';

export interface McpScaleOptions {
  /** Runs and log lines at full scale; the baseline is timed at 1% of each. */
  runs: number;
  logLines: number;
  /** Log lines a run: the lines go to runs in blocks of this many. */
  linesPerRun: number;
  /** Calls of each read at each scale. */
  calls: number;
  backends: ScaleBackend[];
  say: (line: string) => void;
}

/** The seeded runs belong to this many flows, so a flow filter selects a tenth of them. */
const FLOWS = 10;
/** Runs started at once while seeding: enough to keep the server's start path busy. */
const STARTS_AT_ONCE = 32;
const SEED_QUEUE = 'bench-seeded-unpolled';
/** How long the server may take to time out every seeded run once all are started. */
const CLOSE_WITHIN_MS = 15 * 60_000;

interface Backend {
  client: Client;
  store: Store;
  /** The environment a `weft mcp` process needs to reach the same Temporal and store. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const flowOf = (i: number) => `bench/seeded-${i % FLOWS}`;
const runIdOf = (i: number) => `bench.seeded-${i}`;

export async function mcpAtScale(h: Harness, o: McpScaleOptions): Promise<Measure[]> {
  const rows: Measure[] = [];
  for (const kind of o.backends) {
    o.say(`workload 19: ${kind === 'sqlite' ? 'the dev server and a SQLite store' : 'a Temporal server on PostgreSQL and a PostgreSQL store'}`);
    const backend = kind === 'sqlite' ? sqliteBackend(h) : await postgresBackend(o.say);
    try {
      rows.push(...(await readsAtScale(kind, backend, o)));
    } finally {
      await backend.close();
    }
  }
  return rows;
}

function sqliteBackend(h: Harness): Backend {
  return { client: h.client, store: h.store, env: { TEMPORAL_ADDRESS: h.address, WEFT_DATA_DIR: h.dataDir }, close: async () => {} };
}

async function postgresBackend(say: (line: string) => void): Promise<Backend> {
  const work = await mkdtemp(join(tmpdir(), 'weft-bench-scale-'));
  const [port = 0] = await freePorts(1);
  const postgres = await startPrivatePostgres(port, { durable: true, maxConnections: 200 });
  const closers: Array<() => Promise<unknown>> = [() => rm(work, { recursive: true, force: true }), () => postgres.stop()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const server = await startPrivateTemporalServer({
      postgresUrl: postgres.url,
      workDir: join(work, 'temporal-server'),
      progress: say,
      // The dev server's visibility rate (the Temporal CLI sets 100); the server's own default of
      // 10 a second per namespace held the reads here back by 1.7 s at their p99.
      dynamicConfig: { 'frontend.namespaceRPS.visibility': 100 },
    });
    closers.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const warning = await ensureSearchAttributes(connection, 'default');
    if (warning) throw new Error(warning);
    const store = await openStore({ url: postgres.url, dataDir: work });
    closers.push(() => store.close());
    return {
      client: new Client({ connection }),
      store,
      env: { TEMPORAL_ADDRESS: server.address, WEFT_DATA_DIR: work, WEFT_DATABASE_URL: postgres.url },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Read {
  tool: 'list_runs' | 'query_logs';
  name: string;
  args: Record<string, unknown>;
  /** What the answer must hold, so a read that finds nothing is not timed as a fast one. */
  check(answer: Record<string, unknown>): boolean;
}

const READS: Read[] = [
  { tool: 'list_runs', name: 'list_runs, newest 20', args: { limit: 20 }, check: (a) => (a.runs as unknown[]).length === 20 },
  { tool: 'list_runs', name: 'list_runs of one flow, 20', args: { flow: flowOf(3), limit: 20 }, check: (a) => (a.runs as unknown[]).length === 20 },
  {
    tool: 'list_runs',
    name: 'list_runs of one flow and state, 20',
    args: { flow: flowOf(3), state: 'TIMED_OUT', limit: 20 },
    check: (a) => (a.runs as unknown[]).length === 20,
  },
  { tool: 'query_logs', name: 'query_logs tail 100 of a run', args: { runId: runIdOf(0), tail: 100 }, check: (a) => (a.entries as unknown[]).length === 100 },
  {
    tool: 'query_logs',
    name: 'query_logs full-text in one flow',
    args: { flow: flowOf(0), contains: 'needle', limit: 100 },
    check: (a) => (a.entries as unknown[]).length > 0,
  },
  {
    tool: 'query_logs',
    name: 'query_logs errors in one flow',
    args: { flow: flowOf(0), level: 'error', limit: 100 },
    check: (a) => (a.entries as unknown[]).length > 0,
  },
];

async function readsAtScale(kind: ScaleBackend, backend: Backend, o: McpScaleOptions): Promise<Measure[]> {
  const server = await spawnWeft(['mcp', '--http', '--port', '0'], { ...backend.env, WEFT_TASK_QUEUE: SEED_QUEUE, WEFT_LOG_LEVEL: 'warn' });
  const mcp = new McpClient({ name: 'bench', version: '1' });
  try {
    await mcp.connect(new StreamableHTTPClientTransport(new URL(await waitForHttp(server))));
    // At least a page of each flow's runs at 1%, so every read finds what it asks for at both scales.
    const small = { runs: Math.max(FLOWS * 20, Math.round(o.runs / 100)), lines: Math.max(o.linesPerRun, Math.round(o.logLines / 100)) };
    await seed(backend, { runs: 0, lines: 0 }, small, o);
    const before = await timeReads(mcp, o.calls);
    await seed(backend, small, { runs: o.runs, lines: o.logLines }, o);
    const after = await timeReads(mcp, o.calls);
    const n = o.calls;
    return READS.map((read, k) => {
      const at = after[k] ?? [];
      const base = before[k] ?? [];
      const tail = n >= P99_MIN_SAMPLES ? `p99 ${percentile(at, 99).toFixed(1)} vs ${percentile(base, 99).toFixed(1)}` : `n=${n}, too few for a p99`;
      return {
        workload: `19 ${read.name} (${kind}), ${o.runs} runs and ${o.logLines} lines vs 1%`,
        weft: median(at),
        raw: median(base),
        unit: `ms p50 over MCP HTTP at ${o.runs} runs and ${o.logLines} log lines vs at ${small.runs} and ${small.lines} (${tail})`,
        spread: { weft: spreadOf(at), raw: spreadOf(base) },
      };
    });
  } finally {
    await mcp.close().catch(() => undefined);
    await server.stop();
  }
}

/** Each read `calls` times, taking turns so drift in the machine's load falls on each alike. */
function timeReads(mcp: McpClient, calls: number): Promise<number[][]> {
  const call = async (read: Read) => {
    const result = (await mcp.callTool({ name: read.tool, arguments: read.args })) as CallToolResult;
    const answer = result.structuredContent as Record<string, unknown> | undefined;
    if (result.isError || !answer || !read.check(answer)) throw new Error(`${read.name} answered ${JSON.stringify(result.content).slice(0, 300)}`);
  };
  return interleavedTimings(
    calls,
    READS.map((read) => () => call(read)),
  );
}

/** Adds runs and log lines from `from` up to `to`, with progress. */
async function seed(backend: Backend, from: { runs: number; lines: number }, to: { runs: number; lines: number }, o: McpScaleOptions): Promise<void> {
  const started = performance.now();
  await seedRuns(backend.client, from.runs, to.runs, o.say);
  const runsDone = performance.now();
  await seedLogLines(backend.store, from.lines, to.lines, o.linesPerRun, o.say);
  o.say(
    `workload 19: ${to.runs - from.runs} runs in ${((runsDone - started) / 1000).toFixed(0)} s, ${to.lines - from.lines} log lines in ${((performance.now() - runsDone) / 1000).toFixed(0)} s`,
  );
}

async function seedRuns(client: Client, from: number, to: number, say: (line: string) => void): Promise<void> {
  let next = from;
  let started = 0;
  const step = Math.max(1, Math.round((to - from) / 10));
  await Promise.all(
    Array.from({ length: STARTS_AT_ONCE }, async () => {
      for (let i = next++; i < to; i = next++) {
        await client.workflow.start('flowRun', {
          taskQueue: SEED_QUEUE,
          workflowId: runIdOf(i),
          args: [],
          workflowExecutionTimeout: '1s',
          typedSearchAttributes: new TypedSearchAttributes([
            { key: WEFT_FLOW, value: flowOf(i) },
            { key: WEFT_NAMESPACE, value: 'bench' },
            { key: WEFT_REVISION, value: 1 },
            { key: WEFT_WAITING, value: false },
            { key: WEFT_TRIGGER, value: 'api' },
          ]),
        });
        if (++started % step === 0) say(`workload 19: ${from + started} of ${to} runs started`);
      }
    }),
  );
  // Visibility is written after the start; the reads are timed once every run is closed and listed.
  // Counted by their task queue: runs of other workloads on the same server may still be open.
  const deadline = Date.now() + CLOSE_WITHIN_MS;
  for (;;) {
    const [open, all] = await Promise.all(
      [`TaskQueue = '${SEED_QUEUE}' AND ExecutionStatus = 'Running'`, `TaskQueue = '${SEED_QUEUE}'`].map(async (query) =>
        Number((await client.workflowService.countWorkflowExecutions({ namespace: client.options.namespace, query })).count),
      ),
    );
    if (open === 0 && (all ?? 0) >= to) return;
    if (Date.now() > deadline) throw new Error(`seeded runs still open after ${CLOSE_WITHIN_MS / 60_000} min: ${open} open, ${all} listed of ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Rows a write: the store splits them into statements within the databases' parameter limits. */
const LINES_A_WRITE = 10_000;

async function seedLogLines(store: Store, from: number, to: number, linesPerRun: number, say: (line: string) => void): Promise<void> {
  const sink = new StoreLogSink(store);
  const base = Date.now() - to;
  const step = Math.max(LINES_A_WRITE, Math.round((to - from) / 10 / LINES_A_WRITE) * LINES_A_WRITE);
  for (let at = from; at < to; at += LINES_A_WRITE) {
    const end = Math.min(to, at + LINES_A_WRITE);
    await sink.write(
      Array.from({ length: end - at }, (_, j) => {
        const i = at + j;
        const run = Math.floor(i / linesPerRun);
        return {
          id: `${runIdOf(run)}|bench|${i}`,
          runId: runIdOf(run),
          flow: flowOf(run),
          taskId: `t${i % 20}`,
          attempt: 1,
          level: i % 200 === 0 ? ('error' as const) : ('info' as const),
          message: `line ${i} processed record ${i * 7} of batch ${i % 13} ${wordOf(i)}${i % linesPerRun === Math.floor(linesPerRun / 2) ? ' needle' : ''}`,
          time: new Date(base + i).toISOString(),
        };
      }),
    );
    if (end % step === 0 || end === to) say(`workload 19: ${end} of ${to} log lines written`);
  }
}

/** A word from a small vocabulary, so the full-text index holds more than numbers. */
function wordOf(i: number): string {
  return WORDS[(i * 7919) % WORDS.length] ?? '';
}
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike'];
