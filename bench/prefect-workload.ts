// Workload 5: workloads 1, 3 and 4 as Prefect 3 flows against the same loopback HTTP server,
// called in process and through served deployments on a local Prefect server, set against
// Weft's figures from the same run. Skips with one line when Prefect cannot be set up.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { projectPath } from '../src/services/config/paths.js';
import { freePorts } from './free-port.js';
import type { Measure } from './measure.js';
import { median as medianOf, percentile } from './measure.js';
import { ensurePrefectEnv } from './prefect/python-env.js';

const DIR = projectPath('bench', 'prefect');
const MARK = '@@weft-bench ';

/** Weft's figures for the same workloads, measured by workloads.ts in the same run. */
export interface WeftFigures {
  chain: Measure;
  fanOut: Measure;
  /** smallRuns: sequential p50, p95, concurrent runs/s, concurrent p50. */
  small: Measure[];
}

export interface PrefectOptions {
  url: string;
  runs: number;
  fanOutRuns: number;
  items: number;
  sequential: number;
  concurrent: number;
  say: (line: string) => void;
}

interface Answer {
  ms: number[];
  wall?: number;
  error?: string;
}

/** A Python process in its own process group, so the flow-run processes it starts stop with it. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, keep: (text: string) => void): ChildProcess {
  const child = spawn(command, args, { cwd: DIR, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => keep(c.toString()));
  return child;
}

async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const group = -child.pid;
  try {
    process.kill(group, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

async function waitForHealth(api: string, server: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) return false;
    try {
      if ((await fetch(`${api}/health`)).ok) return true;
    } catch {
      // not listening yet
    }
    await delay(250);
  }
  return false;
}

/** Talks to `workloads.py drive`: one JSON command a line in, one MARK-prefixed JSON answer out. */
function driver(child: ChildProcess): (command: object) => Promise<Answer> {
  const answers: Array<(a: Answer) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith(MARK)) return;
    const answer = JSON.parse(line.slice(MARK.length)) as Answer & { ready?: boolean };
    if (!answer.ready) answers.shift()?.(answer);
  });
  child.once('exit', () => {
    for (const next of answers.splice(0)) next({ ms: [], error: 'the Prefect driver exited' });
  });
  return async (command) => {
    const answer = await new Promise<Answer>((resolve) => {
      answers.push(resolve);
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
    if (answer.error) throw new Error(`prefect ${JSON.stringify(command)}: ${answer.error}`);
    return answer;
  };
}

export async function prefectComparison(weft: WeftFigures, o: PrefectOptions): Promise<Measure[]> {
  const env = await ensurePrefectEnv(o.say);
  if ('skip' in env) {
    o.say(`workload 5 skipped: ${env.skip}`);
    return [];
  }
  const home = await mkdtemp(join(tmpdir(), 'weft-bench-prefect-'));
  const [port] = await freePorts(1);
  const api = `http://127.0.0.1:${port}/api`;
  // Local only: its own home and SQLite file, no UI, no analytics or SDK telemetry. The runner
  // polls every second (default 10 s, which would dominate every served run).
  const penv: NodeJS.ProcessEnv = {
    ...process.env,
    PREFECT_HOME: home,
    PREFECT_API_URL: api,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    DO_NOT_TRACK: '1',
    PREFECT_RUNNER_POLL_FREQUENCY: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  let log = '';
  const keep = (text: string) => (log = (log + text).slice(-4000));
  const bin = join(env.python, '..');
  let server: ChildProcess | undefined;
  let served: ChildProcess | undefined;
  let drive: ChildProcess | undefined;
  try {
    o.say(`workload 5: starting a Prefect server on port ${port}`);
    server = start(join(bin, 'prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-ui', '--analytics-off'], penv, keep);
    server.stdout?.on('data', (c: Buffer) => keep(c.toString()));
    if (!(await waitForHealth(api, server, 120_000))) {
      o.say(`workload 5 skipped: the Prefect server did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      return [];
    }
    served = start(env.python, ['workloads.py', 'serve'], penv, keep);
    served.stdout?.resume();
    drive = start(env.python, ['workloads.py', 'drive'], penv, keep);
    const call = driver(drive);
    await call({ mode: 'inprocess', flow: 'small', params: { url: o.url }, count: 1 }); // imports, first run
    await waitForDeployments(call, o.url);
    return await compare(call, weft, o);
  } catch (error) {
    o.say(`workload 5 skipped: ${(error as Error).message} ${log.trim().split('\n').slice(-3).join(' | ')}`);
    return [];
  } finally {
    drive?.stdin?.end();
    await stop(served, 'SIGINT', 5000);
    await stop(drive, 'SIGTERM', 5000);
    await stop(server, 'SIGINT', 15_000);
    await rm(home, { recursive: true, force: true });
  }
}

/** The served deployments exist once `serve` has registered them; until then runs fail to start. */
async function waitForDeployments(call: (c: object) => Promise<Answer>, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await call({ mode: 'served', flow: 'small', params: { url }, count: 1 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(500);
    }
  }
}

const median = (v: number[]) => medianOf(v);

type Call = (c: object) => Promise<Answer>;

/**
 * One Prefect measurement; a failure (a local SQLite server answers 503 "database is locked"
 * under load) is said and leaves NaN in its rows instead of dropping the whole workload.
 */
async function attempt(o: PrefectOptions, what: string, fn: () => Promise<Measure[]>, rows: Measure[]): Promise<Measure[]> {
  try {
    return await fn();
  } catch (error) {
    o.say(`workload 5: prefect ${what} failed: ${(error as Error).message.slice(0, 400)}`);
    return rows.map((r) => ({ ...r, raw: Number.NaN, unit: `${r.unit} (prefect failed)` }));
  }
}

async function compare(call: Call, weft: WeftFigures, o: PrefectOptions): Promise<Measure[]> {
  const steps = 40;
  const out: Measure[] = [];
  const [p50, p95, perSecond, concP50] = weft.small;
  for (const mode of ['inprocess', 'served'] as const) {
    const label = mode === 'inprocess' ? 'in-process' : 'served';
    const row = (workload: string, weftValue: number | undefined, unit: string): Measure => ({
      workload: `5 vs prefect ${label}: ${workload}`,
      weft: weftValue ?? Number.NaN,
      raw: Number.NaN,
      unit,
    });
    o.say(`workload 5: Prefect ${label}`);
    const chainRow = row(`1 chain (${steps} steps)`, weft.chain.weft, 'ms/step');
    out.push(
      ...(await attempt(
        o,
        `${label} chain`,
        async () => {
          const params = { url: o.url, steps };
          await call({ mode, flow: 'chain', params, count: 1 });
          const chain = await call({ mode, flow: 'chain', params, count: o.runs });
          return [{ ...chainRow, raw: median(chain.ms) / steps }];
        },
        [chainRow],
      )),
    );
    const fanRow = row(`3 fan-out (${o.items}, conc. 50)`, weft.fanOut.weft, 'ms makespan');
    out.push(
      ...(await attempt(
        o,
        `${label} fan-out`,
        async () => {
          const params = { url: o.url, items: o.items };
          await call({ mode, flow: 'fan_out', params, count: 1 });
          const fan = await call({ mode, flow: 'fan_out', params, count: o.fanOutRuns });
          return [{ ...fanRow, raw: median(fan.ms) }];
        },
        [fanRow],
      )),
    );
    const seqRows = [row(`4 small, ${o.sequential} sequential`, p50?.weft, 'ms p50'), row(`4 small, ${o.sequential} sequential`, p95?.weft, 'ms p95')];
    out.push(
      ...(await attempt(
        o,
        `${label} small sequential`,
        async () => {
          const seq = await call({ mode, flow: 'small', params: { url: o.url }, count: o.sequential });
          return seqRows.map((r, i) => ({ ...r, raw: percentile(seq.ms, i === 0 ? 50 : 95) }));
        },
        seqRows,
      )),
    );
    const concRows = [
      row(`4 small, ${o.concurrent} concurrent`, perSecond?.weft, 'runs/s'),
      row(`4 small, ${o.concurrent} concurrent`, concP50?.weft, 'ms p50'),
    ];
    out.push(
      ...(await attempt(
        o,
        `${label} small concurrent`,
        async () => {
          const conc = await call({ mode, flow: 'small', params: { url: o.url }, count: o.concurrent, concurrent: true });
          return concRows.map((r, i) => ({ ...r, raw: i === 0 ? (o.concurrent / (conc.wall ?? Number.NaN)) * 1000 : percentile(conc.ms, 50) }));
        },
        concRows,
      )),
    );
  }
  return out;
}
