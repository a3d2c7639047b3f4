// Workload 7: memory and start-up of `weft dev` as a user runs it. Cold start (fresh data
// directory) to the example run COMPLETED, resident memory of the whole process tree (the node
// process and its Temporal dev server) idle, and its peak while a 1,000-item foreach runs.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { loadWorkflowBundle } from '../src/app/worker/workflow-bundle.js';
import { DEFAULT_TASK_QUEUE } from '../src/services/config/task-queue.js';
import { FlowService, validFlow } from '../src/services/flow-service.js';
import { ClaimCheckStore } from '../src/services/outputs/claim-check-store.js';
import { RunService } from '../src/services/run-service.js';
import { openStore, type Store } from '../src/services/store/database.js';
import { claimCheckDataConverter } from '../src/services/temporal/claim-check-codec.js';
import { freePorts } from './free-port.js';
import { startOkServer } from './harness.js';
import type { Measure } from './measure.js';
import { spawnWeft, type WeftProcess } from './weft-process.js';

const MB = 1024 * 1024;

/** VmRSS of one process in bytes (0 once it has gone). */
async function rssOf(pid: number): Promise<number> {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and every descendant of it, from the parent pids in /proc. */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the fields after the last ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while the directory was read
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i] ?? -1) ?? []));
  return tree;
}

interface Sample {
  node: number;
  tree: number;
  /** RSS of the other processes by command name (temporal, esbuild), at the tree's peak. */
  others: Record<string, number>;
}

async function sample(root: number): Promise<Sample> {
  const pids = await processTree(root);
  const sizes = await Promise.all(pids.map(rssOf));
  const others: Record<string, number> = {};
  for (let i = 1; i < pids.length; i++) {
    const name = (await readFile(`/proc/${pids[i]}/comm`, 'utf8').catch(() => '?')).trim();
    others[name] = (others[name] ?? 0) + (sizes[i] ?? 0);
  }
  return { node: sizes[0] ?? 0, tree: sizes.reduce((a, b) => a + b, 0), others };
}

/** Bytes to MiB. */
const mb = (bytes: number) => bytes / MB;

function breakdown(s: Sample): string {
  return [`node ${mb(s.node).toFixed(0)}`, ...Object.entries(s.others).map(([name, bytes]) => `${name} ${mb(bytes).toFixed(0)}`)].join(', ');
}

/** Peak RSS of the node process and of the tree, sampled every 100 ms while `work` runs. */
async function peakDuring(root: number, work: Promise<unknown>): Promise<Sample> {
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  // Handled here, thrown below: a failed run must fail the workload, not the process, while this samples.
  finished.catch(() => undefined);
  const peak: Sample = { node: 0, tree: 0, others: {} };
  while (!done) {
    const s = await sample(root);
    peak.node = Math.max(peak.node, s.node);
    if (s.tree > peak.tree) Object.assign(peak, { tree: s.tree, others: s.others });
    await delay(100);
  }
  await finished;
  return peak;
}

async function waitForOutput(dev: WeftProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(dev.output());
    if (match) return match;
    if (dev.child.exitCode !== null) throw new Error(`weft dev exited: ${dev.output()}`);
    await delay(10);
  }
  throw new Error(`weft dev did not print ${pattern} within ${timeoutMs} ms: ${dev.output()}`);
}

export async function memoryAndStartup(idleSeconds: number, items = 1000): Promise<Measure[]> {
  // The bundle in the cache, as after `npm install`: the figures are of a start with nothing to
  // build (a first start that must run webpack holds more memory until it is restarted).
  await loadWorkflowBundle();
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-bench-dev-'));
  const { http, url } = await startOkServer();
  const [port, uiPort] = await freePorts(2);
  // The steps call a loopback server, which http tasks may not reach by default.
  const env: Record<string, string> = { WEFT_DATA_DIR: dataDir, WEFT_LOG_LEVEL: 'warn', WEFT_HTTP_ALLOWED_HOSTS: new URL(url).host };
  const { TEMPORAL_ADDRESS: _address, WEFT_TASK_QUEUE: _queue, ...inherited } = process.env;
  const spawnedAt = performance.now();
  const dev = await spawnWeft(['dev', '--port', String(port), '--ui-port', String(uiPort)], env, inherited);
  let client: Client | undefined;
  let store: Store | undefined;
  try {
    await waitForOutput(dev, /Weft is up/, 180_000);
    const upMs = performance.now() - spawnedAt;
    const example = await waitForOutput(dev, /example run \S+: (\w+)/, 60_000);
    const firstRunMs = performance.now() - spawnedAt;
    if (example[1] !== 'COMPLETED') throw new Error(`weft dev's example run ended ${example[1]}: ${dev.output()}`);
    const root = dev.child.pid ?? 0;
    await delay(2000);
    const idle = await peakDuring(root, delay(idleSeconds * 1000));

    // Through the run service on the service's data directory, as `weft run start FILE` is, with
    // the claim-check codec Weft's clients have: a 1,000-item foreach's result is stored beside
    // its history, and would not decode without it.
    store = await openStore({ dataDir });
    client = new Client({
      connection: await Connection.connect({ address: `127.0.0.1:${port}` }),
      dataConverter: claimCheckDataConverter(new ClaimCheckStore(store)),
    });
    const runs = new RunService(client, new FlowService(store), DEFAULT_TASK_QUEUE);
    const yaml = `id: fan\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    tasks:\n      - { id: get, type: http, url: "${url}/{{ item }}" }\n`;
    const spec = validFlow(yaml, 'bench flow');
    const fanStart = performance.now();
    const run = (async () => {
      const { runId } = await runs.startUnsaved(spec, yaml, { inputs: { items: Array.from({ length: items }, (_, i) => i) } });
      const state = await runs.waitForClose(runId);
      if (state !== 'COMPLETED') throw new Error(`bench run ${runId} ended ${state}: ${JSON.stringify((await runs.get(runId)).error)}`);
    })();
    const busy = await peakDuring(root, run);
    const fanMs = performance.now() - fanStart;
    return [
      { workload: '7 weft dev cold start: example COMPLETED vs up', weft: firstRunMs, raw: upMs, unit: 'ms since spawn' },
      { workload: '7 weft dev idle RSS, whole tree vs 500 MB', weft: mb(idle.tree), raw: 500, unit: `MB (${breakdown(idle)})` },
      { workload: '7 weft dev idle RSS, node vs whole tree', weft: mb(idle.node), raw: mb(idle.tree), unit: 'MB' },
      { workload: `7 worker peak RSS, foreach ${items} items vs 1 GB`, weft: mb(busy.node), raw: 1024, unit: `MB (run took ${fanMs.toFixed(0)} ms)` },
      { workload: `7 tree peak RSS, foreach ${items} items vs idle`, weft: mb(busy.tree), raw: mb(idle.tree), unit: `MB (${breakdown(busy)})` },
    ];
  } finally {
    await client?.connection.close();
    await store?.close();
    await dev.stop('SIGINT');
    http.closeAllConnections();
    http.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
