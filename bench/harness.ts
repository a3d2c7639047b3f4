// Benchmark plumbing: a dev server with given settings, a Weft worker and a raw worker with the
// same options, a loopback HTTP server, and timing helpers.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createWeftWorker } from '../src/app/worker/weft-worker.js';
import { modernWorkflowSyntax } from '../src/app/worker/workflow-bundle.js';
import { projectPath } from '../src/services/config/paths.js';
import { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import { EgressPolicy } from '../src/services/security/egress-policy.js';
import { HostAllowList } from '../src/services/security/host-allow-list.js';
import { openStore, type Store } from '../src/services/store/database.js';
import { type DevServer, startDevServer } from '../src/services/temporal/dev-server.js';
import { createRawActivities } from './raw/activities.js';

export interface Harness {
  client: Client;
  /** Weft's runs go through the run service, as every adapter's do. */
  runs: RunService;
  /** The dev server's address, the data directory and store the Weft worker uses. */
  address: string;
  dataDir: string;
  store: Store;
  weftQueue: string;
  rawQueue: string;
  url: string;
  close(): Promise<void>;
}

const WORKER_OPTIONS = { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 };
let rawBundle: Promise<{ code: string }> | undefined;

export async function startHarness(tuned: boolean, port: number, dynamicConfig: Record<string, string> = {}): Promise<Harness> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const server: DevServer = await startDevServer({ dataDir: dir, port, uiPort: false, tuned, dynamicConfig });
  const { http, url } = await startOkServer();
  const weftQueue = `weft-${randomUUID()}`;
  const rawQueue = `raw-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: server.address });
  // Compiled as Weft's own workflow bundle is (ES2022 syntax), so neither side gains from the build.
  rawBundle ??= bundleWorkflowCode({
    workflowsPath: projectPath('bench', 'raw', 'workflows.ts'),
    logger: new DefaultLogger('ERROR'),
    webpackConfigHook: modernWorkflowSyntax,
  });
  const store = await openStore({ dataDir: dir });
  const weft = await createWeftWorker({
    connection,
    store,
    taskQueue: weftQueue,
    dataDir: dir,
    maxConcurrentActivities: WORKER_OPTIONS.maxConcurrentActivityTaskExecutions,
    // The steps call a loopback server, which http tasks may not reach by default.
    egress: new EgressPolicy({ allowList: HostAllowList.parse(new URL(url).host) }),
  });
  const raw = await Worker.create({ connection, taskQueue: rawQueue, workflowBundle: await rawBundle, activities: createRawActivities(), ...WORKER_OPTIONS });
  const running = Promise.all([weft.run(), raw.run()]);
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  return {
    client,
    runs: new RunService(client, new FlowService(store), weftQueue),
    address: server.address,
    dataDir: dir,
    store,
    weftQueue,
    rawQueue,
    url,
    async close() {
      weft.shutdown();
      raw.shutdown();
      await running;
      await client.connection.close();
      await connection.close();
      await store.close();
      http.closeAllConnections();
      http.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The loopback HTTP server every http step calls: answers `{"ok":true}` at once, keeps connections alive. */
export async function startOkServer(): Promise<{ http: Server; url: string }> {
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { http, url: `http://127.0.0.1:${(http.address() as { port: number }).port}/x` };
}

/** Median of the timings of `runs` calls after one warm-up call, in ms. */
export async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

export interface TimedSide<T> {
  medianMs: number;
  /** CPU seconds of this process per call, all threads (both workers share the process). */
  cpuSeconds: number;
  last: T;
}

/**
 * Times `a` and `b` alternately, `runs` times each after one warm-up of each, so drift in the
 * machine's load (a shared 2-core box) falls on both sides alike. Only one side runs at a time,
 * so the CPU measured around a call is that side's worker (plus the same client work on both).
 */
export async function interleaved<A, B>(runs: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[TimedSide<A>, TimedSide<B>]> {
  const time = async <T>(fn: () => Promise<T>, times: number[], cpu: number[]): Promise<T> => {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const result = await fn();
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1e6);
    return result;
  };
  await a();
  await b();
  const timesA: number[] = [];
  const cpuA: number[] = [];
  const timesB: number[] = [];
  const cpuB: number[] = [];
  let lastA: A | undefined;
  let lastB: B | undefined;
  for (let i = 0; i < runs; i++) {
    lastA = await time(a, timesA, cpuA);
    lastB = await time(b, timesB, cpuB);
  }
  const side = <T>(times: number[], cpu: number[], last: T): TimedSide<T> => ({
    medianMs: percentile(times, 50),
    cpuSeconds: cpu.reduce((x, y) => x + y, 0) / Math.max(1, cpu.length),
    last,
  });
  return [side(timesA, cpuA, lastA as A), side(timesB, cpuB, lastB as B)];
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
