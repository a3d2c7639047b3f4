// Workload 11: recovery. A worker process is killed (SIGKILL) while its activity waits on an HTTP
// call, a new worker is started at once (as a supervisor would), and the time runs from the kill
// to the call arriving again. Weft's `weft worker` against a raw worker process; both
// activities heartbeat every 2 s with a 10 s heartbeat timeout and retry after 500 ms, so what
// this shows is that Weft adds nothing to Temporal's detection of a lost worker.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import { type Harness, rawWorkflowBundle } from './harness.js';
import { type Measure, spreadOf } from './measure.js';
import { spawnWeft } from './weft-process.js';
import { flow } from './workloads.js';

/** How long after the call arrives the worker is killed: past the first heartbeat (at 2 s) on both sides. */
const KILL_AFTER_MS = 3000;
const WAIT_MS = 60_000;

type Side = 'weft' | 'raw';

export async function recoveryTime(h: Harness, rounds: number, say: (line: string) => void): Promise<Measure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-recovery-'));
  const bundleFile = join(dir, 'raw-workflows.js');
  await writeFile(bundleFile, (await rawWorkflowBundle()).code);
  const queues: Record<Side, string> = { weft: `recovery-weft-${randomUUID()}`, raw: `recovery-raw-${randomUUID()}` };
  const base = new URL(h.url).origin;
  const arrivals = new Map<string, number[]>();
  const stop = h.ok.onRequest((path, at) => arrivals.set(path, [...(arrivals.get(path) ?? []), at]));
  const weftRuns = new RunService(h.client, new FlowService(h.store), queues.weft);
  const startWorker = (side: Side): ChildProcess =>
    side === 'weft'
      ? spawnProcess([spawnWeft.bin, 'worker'], {
          TEMPORAL_ADDRESS: h.address,
          WEFT_TASK_QUEUE: queues.weft,
          WEFT_DATA_DIR: h.dataDir,
          WEFT_HTTP_ALLOWED_HOSTS: new URL(base).host,
          WEFT_LOG_LEVEL: 'warn',
        })
      : spawnProcess([...rawWorkerScript(), h.address, queues.raw, bundleFile], {});
  const startRun = async (side: Side, path: string): Promise<() => Promise<unknown>> => {
    if (side === 'weft') {
      const spec = flow(`id: recover\ntasks:\n  - { id: get, type: http, url: "${base}${path}", timeout: 60s }\n`);
      const { runId } = await weftRuns.startUnsaved(spec.spec, spec.yaml, {});
      return () => weftRuns.waitForClose(runId);
    }
    const handle = await h.client.workflow.start('rawHeartbeatingCall', { taskQueue: queues.raw, workflowId: `raw-${randomUUID()}`, args: [`${base}${path}`] });
    return () => handle.result();
  };
  const times: Record<Side, number[]> = { weft: [], raw: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['weft', 'raw'] as const) : (['raw', 'weft'] as const)) {
        const path = `/hang/${side}-${round}-${randomUUID()}`;
        let worker = startWorker(side);
        try {
          const done = await startRun(side, path);
          await arrival(arrivals, path, 1);
          await delay(KILL_AFTER_MS);
          const killedAt = Date.now();
          await kill(worker, 'SIGKILL');
          worker = startWorker(side);
          const again = await arrival(arrivals, path, 2);
          times[side].push(again - killedAt);
          say(`workload 11: ${side} recovered in ${again - killedAt} ms`);
          await done();
        } finally {
          await kill(worker, 'SIGTERM');
        }
      }
    }
  } finally {
    stop();
    await rm(dir, { recursive: true, force: true });
  }
  const weft = spreadOf(times.weft);
  const raw = spreadOf(times.raw);
  return [
    {
      workload: `11 recovery: worker SIGKILL to the activity running again (${rounds} a side)`,
      weft: weft.median,
      raw: raw.median,
      unit: 'ms (heartbeat timeout 10 s on both)',
      spread: { weft, raw },
    },
  ];
}

/** The raw worker's entry: compiled beside this file, or the TypeScript through tsx when the bench runs from source. */
function rawWorkerScript(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return ['--import', 'tsx', join(dirname(here), 'raw', 'worker-main.ts')];
  return [join(dirname(here), 'raw', 'worker-main.js')];
}

function spawnProcess(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (c: Buffer) => {
    output = (output + c.toString()).slice(-2000);
  });
  child.once('exit', (code, signal) => {
    if (code) process.stderr.write(`[bench] workload 11: worker exited ${code}${signal ? ` (${signal})` : ''}: ${output}\n`);
  });
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** When `path` was called for the `nth` time (1-based); waits up to a minute. */
async function arrival(arrivals: Map<string, number[]>, path: string, nth: number): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const at = arrivals.get(path)?.[nth - 1];
    if (at !== undefined) return at;
    if (Date.now() > deadline) throw new Error(`workload 11: call ${nth} of ${path} did not arrive within ${WAIT_MS / 1000} s`);
    await delay(10);
  }
}
