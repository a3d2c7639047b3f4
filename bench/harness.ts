// Benchmark plumbing: a dev server with given settings, a Weft worker and a raw worker with the
// same options, a loopback HTTP server, and timing helpers.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, type InjectedSinks, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createWeftWorker } from '../src/app/worker/weft-worker.js';
import { modernWorkflowSyntax } from '../src/app/worker/workflow-bundle.js';
import { projectPath } from '../src/services/config/paths.js';
import { FlowService } from '../src/services/flow-service.js';
import { giveSlotBackTo } from '../src/services/limits/keeper-client.js';
import { ClaimCheckStore } from '../src/services/outputs/claim-check-store.js';
import { RunService } from '../src/services/run-service.js';
import { EgressPolicy } from '../src/services/security/egress-policy.js';
import { HostAllowList } from '../src/services/security/host-allow-list.js';
import { openStore, type Store } from '../src/services/store/database.js';
import { claimCheckDataConverter } from '../src/services/temporal/claim-check-codec.js';
import { type DevServer, startDevServer } from '../src/services/temporal/dev-server.js';
import { benchFibModule } from './fib-task.js';
import { median } from './measure.js';
import { createRawActivities } from './raw/activities.js';
import type { BenchSlotSinks } from './raw/workflows.js';

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
  /** The loopback server the steps call: what arrives there and when. */
  ok: OkServer;
  close(): Promise<void>;
}

const WORKER_OPTIONS = { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 100, maxConcurrentLocalActivityExecutions: 100 };
let rawBundle: Promise<{ code: string }> | undefined;

/**
 * The preload of Weft's own bundle that turns the SDK's per-promise stack capture off
 * (WEFT_BUNDLE_ONLY_PRELOADS of src/app/worker/workflow-bundle.ts). The raw bundle gets it too,
 * so the baseline has every optimisation Weft's workflows have. Weft's other preloads are its own
 * modules, which the raw workflows do not import.
 */
const PROMISE_STACKS_OFF = projectPath('workflows', 'promise-stacks-off.ts');

/** The raw workflows, bundled once per process as Weft's bundle is: ES2022 syntax, promise stacks off. */
export function rawWorkflowBundle(): Promise<{ code: string }> {
  rawBundle ??= bundleWorkflowCode({
    workflowsPath: projectPath('bench', 'raw', 'workflows.ts'),
    logger: new DefaultLogger('ERROR'),
    webpackConfigHook: modernWorkflowSyntax,
    preloadModules: [PROMISE_STACKS_OFF],
  });
  return rawBundle;
}

export async function startHarness(tuned: boolean, port: number, dynamicConfig: Record<string, string> = {}): Promise<Harness> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const server: DevServer = await startDevServer({ dataDir: dir, port, uiPort: false, tuned, dynamicConfig });
  const ok = await startOkServer();
  const { http, url } = ok;
  const weftQueue = `weft-${randomUUID()}`;
  const rawQueue = `raw-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: server.address });
  const store = await openStore({ dataDir: dir });
  const weft = await createWeftWorker({
    connection,
    store,
    taskQueue: weftQueue,
    dataDir: dir,
    maxConcurrentActivities: WORKER_OPTIONS.maxConcurrentActivityTaskExecutions,
    // The steps call a loopback server, which http tasks may not reach by default.
    egress: new EgressPolicy({ allowList: HostAllowList.parse(new URL(url).host) }),
    modules: [benchFibModule],
  });
  // With the claim-check codec, as Weft's own clients have it: a long run's outputs are stored
  // beside the history, and its result would not decode without it.
  const client = new Client({
    connection: await Connection.connect({ address: server.address }),
    dataConverter: claimCheckDataConverter(new ClaimCheckStore(store)),
  });
  const sinks: InjectedSinks<BenchSlotSinks> = {
    benchSlots: {
      giveBack: {
        // As a Weft worker gives back a run's flow slot after its last activation (weft-worker.ts).
        fn: (_info, keeperId, requestId) => void giveSlotBackTo(client, keeperId, requestId).catch(() => undefined),
        callDuringReplay: false,
      },
    },
  };
  const raw = await Worker.create({
    connection,
    taskQueue: rawQueue,
    workflowBundle: await rawWorkflowBundle(),
    activities: createRawActivities(),
    sinks,
    ...WORKER_OPTIONS,
  });
  const running = Promise.all([weft.run(), raw.run()]);
  return {
    client,
    runs: new RunService(client, new FlowService(store), weftQueue),
    address: server.address,
    dataDir: dir,
    store,
    weftQueue,
    rawQueue,
    url,
    ok,
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

export interface OkServer {
  http: Server;
  url: string;
  /** Calls `listener` with the path and arrival time (Date.now()) of every request. */
  onRequest(listener: (path: string, at: number) => void): () => void;
}

/**
 * The loopback HTTP server every http step calls: answers `{"ok":true}` at once, keeps connections
 * alive; the first call of a path under `/hang/` gets no answer, later ones do (the recovery workload).
 */
export async function startOkServer(): Promise<OkServer> {
  const listeners = new Set<(path: string, at: number) => void>();
  const hung = new Set<string>();
  const http: Server = createServer((req, res) => {
    const at = Date.now();
    for (const listener of listeners) listener(req.url ?? '', at);
    // The first call of a /hang/ path waits for good: its worker is killed meanwhile.
    if (req.url?.startsWith('/hang/') && !hung.has(req.url)) {
      hung.add(req.url);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  return {
    http,
    url: `${base}/x`,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
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
  return median(times);
}

/** One side's samples from `alternate`. */
export interface SideSamples<T> {
  /** Wall-clock ms of each timed call. */
  ms: number[];
  /** CPU seconds of this process in each call, all threads (both workers share the process). */
  cpuSeconds: number[];
  /** Peak RSS of this process during each call, MB. */
  peakRssMb: number[];
  /** How far RSS rose during each call above where it stood when the call began, MB. */
  rssGrowthMb: number[];
  last: T;
}

/**
 * Times each side `runs` times after one warm-up call of each (unless `warmUp` is false: a
 * call that takes tens of seconds, after smaller ones warmed the same code), in ABBA order (the order of the
 * sides reversed every other round: A B B A A B ...), so a drift in the machine's load, and what
 * one call leaves behind for the server to finish, fall on every side alike. Before each timed
 * call it waits `settleMs` for the previous call's aftermath (visibility writes, a collection) to
 * settle. Only one side runs at a time, so the CPU and RSS measured around a call are that side's
 * worker plus the same client work on every side.
 */
export async function alternate<K extends string, T>(
  runs: number,
  sides: Record<K, () => Promise<T>>,
  settleMs: number,
  warmUp = true,
): Promise<Record<K, SideSamples<T>>> {
  const names = Object.keys(sides) as K[];
  const out = {} as Record<K, SideSamples<T>>;
  for (const name of names) out[name] = { ms: [], cpuSeconds: [], peakRssMb: [], rssGrowthMb: [], last: warmUp ? await sides[name]() : (undefined as T) };
  for (let round = 0; round < runs; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      await delay(settleMs);
      const side = out[name];
      const rssBefore = process.memoryUsage.rss();
      let peak = rssBefore;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, 50);
      const cpuBefore = process.cpuUsage();
      const start = performance.now();
      try {
        side.last = await sides[name]();
      } finally {
        clearInterval(sampler);
      }
      side.ms.push(performance.now() - start);
      const used = process.cpuUsage(cpuBefore);
      side.cpuSeconds.push((used.user + used.system) / 1e6);
      peak = Math.max(peak, process.memoryUsage.rss());
      side.peakRssMb.push(peak / 2 ** 20);
      side.rssGrowthMb.push((peak - rssBefore) / 2 ** 20);
    }
  }
  return out;
}
