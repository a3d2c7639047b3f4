// Workload 5: workloads 1, 3 and 4 as Prefect 3 flows against a loopback HTTP server, called in
// process, through served deployments and as background tasks on a task worker, on a local
// Prefect server backed by a private PostgreSQL, set against Weft's figures from the same run;
// and the Prefect side of the anchor chain (workload 18). Runs after the Temporal harness has
// stopped. Skips with one line when Prefect cannot be set up.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { projectPath } from '../src/services/config/paths.js';
import { type PrivatePostgres, startPrivatePostgres } from '../testbed/private-postgres.js';
import { freePorts } from './free-port.js';
import { type OkServer, startOkServer } from './harness.js';
import type { Measure } from './measure.js';
import { median as medianOf, percentile } from './measure.js';
import { ensurePrefectEnv } from './prefect/python-env.js';

const DIR = projectPath('bench', 'prefect');
const MARK = '@@weft-bench ';

/** Weft's figures for the same workloads, measured in the same run; absent when not measured. */
export interface WeftFigures {
  chain?: Measure;
  fanOut?: Measure;
  /** smallRuns: sequential p50, p95, concurrent runs/s, concurrent p50. */
  small?: Measure[];
  /** Workload 18: the 40-task chain computing fib(10) in each task, ms/task. */
  fibChain?: Measure;
}

export interface PrefectOptions {
  runs: number;
  fanOutRuns: number;
  items: number;
  sequential: number;
  concurrent: number;
  /** Runs one profiled in-process chain and writes its profile to this file (WEFT_BENCH_PREFECT_PROFILE). */
  profileFile?: string;
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
  const [port, pgPort] = await freePorts(2);
  const api = `http://127.0.0.1:${port}/api`;
  let postgres: PrivatePostgres | undefined;
  try {
    postgres = await startPrivatePostgres(pgPort as number, { durable: true, maxConnections: 300 });
  } catch (error) {
    o.say(`workload 5: PostgreSQL did not start, so Prefect's server falls back to SQLite: ${(error as Error).message.split('\n')[0]}`);
  }
  // Local only: its own home, no UI, no analytics or SDK telemetry. The runner polls every
  // second (default 10 s, which would dominate every served run). A background task logs
  // outside a flow run, which Prefect's API log handler cannot send: said once, not per run.
  const penv: NodeJS.ProcessEnv = {
    ...process.env,
    PREFECT_HOME: home,
    PREFECT_API_URL: api,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    DO_NOT_TRACK: '1',
    PREFECT_RUNNER_POLL_FREQUENCY: '1',
    PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW: 'ignore',
    PYTHONDONTWRITEBYTECODE: '1',
    ...(postgres ? { PREFECT_API_DATABASE_CONNECTION_URL: asyncpgUrl(postgres.url) } : {}),
  };
  let log = '';
  const keep = (text: string) => (log = (log + text).slice(-4000));
  const bin = join(env.python, '..');
  let ok: OkServer | undefined;
  const children: ChildProcess[] = [];
  try {
    ok = await startOkServer();
    o.say(`workload 5: starting a Prefect server on port ${port} (${postgres ? 'PostgreSQL' : 'SQLite'})`);
    const server = start(join(bin, 'prefect'), ['server', 'start', '--host', '127.0.0.1', '--port', String(port), '--no-ui', '--analytics-off'], penv, keep);
    children.push(server);
    server.stdout?.on('data', (c: Buffer) => keep(c.toString()));
    if (!(await waitForHealth(api, server, 120_000))) {
      o.say(`workload 5 skipped: the Prefect server did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      return [];
    }
    const served = start(env.python, ['workloads.py', 'serve'], penv, keep);
    served.stdout?.resume();
    let workerLog = '';
    const worker = start(env.python, ['workloads.py', 'tasks'], penv, (text) => {
      workerLog = (workerLog + text).slice(-4000);
      keep(text);
    });
    worker.stdout?.on('data', (c: Buffer) => (workerLog = (workerLog + c.toString()).slice(-4000)));
    const drive = start(env.python, ['workloads.py', 'drive'], penv, keep);
    children.push(served, worker, drive);
    const call = driver(drive);
    const url = ok.url;
    await call({ mode: 'inprocess', flow: 'small', params: { url }, count: 1 }); // imports, first run
    await waitForDeployments(call, url);
    await waitFor(() => workerLog.includes('Subscribing to runs'), 60_000, 'the Prefect task worker did not subscribe');
    return await compare(call, url, weft, o);
  } catch (error) {
    o.say(`workload 5 skipped: ${(error as Error).message} ${log.trim().split('\n').slice(-3).join(' | ')}`);
    return [];
  } finally {
    const [server, served, worker, drive] = children;
    drive?.stdin?.end();
    await Promise.all([stop(served, 'SIGINT', 5000), stop(worker, 'SIGINT', 5000), stop(drive, 'SIGTERM', 5000)]);
    await stop(server, 'SIGINT', 15_000);
    await postgres?.stop();
    if (ok) {
      ok.http.closeAllConnections();
      ok.http.close();
    }
    await rm(home, { recursive: true, force: true });
  }
}

async function waitFor(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(failure);
    await delay(200);
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

/** The three ways Prefect runs work, each a column of rows: in process, served, on a task worker. */
const MODES = [
  ['inprocess', 'in-process'],
  ['served', 'served'],
  ['tasks', 'task worker'],
] as const;

async function compare(call: Call, url: string, weft: WeftFigures, o: PrefectOptions): Promise<Measure[]> {
  const steps = 40;
  const out: Measure[] = [];
  const [p50, p95, perSecond, concP50] = weft.small ?? [];
  for (const [mode, label] of MODES) {
    const row = (workload: string, weftValue: number | undefined, unit: string): Measure => ({
      workload: `5 vs prefect ${label}: ${workload}`,
      weft: weftValue ?? Number.NaN,
      raw: Number.NaN,
      unit,
    });
    /** Times `flow` once untimed, then `count` times; the rows from the samples. */
    const measure = (what: string, flow: string, params: object, count: number, rows: Measure[], figures: (ms: number[]) => number[]) =>
      attempt(
        o,
        `${label} ${what}`,
        async () => {
          await call({ mode, flow, params, count: 1 });
          const answer = await call({ mode, flow, params, count });
          return rows.map((r, i) => ({ ...r, raw: figures(answer.ms)[i] ?? Number.NaN }));
        },
        rows,
      );
    o.say(`workload 5: Prefect ${label}`);
    if (weft.chain) {
      out.push(
        ...(await measure('chain', 'chain', { url, steps }, o.runs, [row(`1 chain (${steps} steps)`, weft.chain.weft, 'ms/step')], (ms) => [
          median(ms) / steps,
        ])),
      );
    }
    if (weft.fanOut) {
      const fanRow = row(`3 fan-out (${o.items}, conc. 50)`, weft.fanOut.weft, 'ms makespan');
      out.push(...(await measure('fan-out', 'fan_out', { url, items: o.items }, o.fanOutRuns, [fanRow], (ms) => [median(ms)])));
    }
    if (weft.small) {
      const seqRows = [row(`4 small, ${o.sequential} sequential`, p50?.weft, 'ms p50'), row(`4 small, ${o.sequential} sequential`, p95?.weft, 'ms p95')];
      out.push(...(await measure('small sequential', 'small', { url }, o.sequential, seqRows, (ms) => [percentile(ms, 50), percentile(ms, 95)])));
      const concRows = [
        row(`4 small, ${o.concurrent} concurrent`, perSecond?.weft, 'runs/s'),
        row(`4 small, ${o.concurrent} concurrent`, concP50?.weft, 'ms p50'),
      ];
      out.push(
        ...(await attempt(
          o,
          `${label} small concurrent`,
          async () => {
            const conc = await call({ mode, flow: 'small', params: { url }, count: o.concurrent, concurrent: true });
            return concRows.map((r, i) => ({ ...r, raw: i === 0 ? (o.concurrent / (conc.wall ?? Number.NaN)) * 1000 : percentile(conc.ms, 50) }));
          },
          concRows,
        )),
      );
    }
    if (weft.fibChain) {
      const fibRow: Measure = { ...row('', weft.fibChain.weft, 'ms/task'), workload: `18 anchor vs prefect ${label}: ${steps} tasks, fib(10) each` };
      out.push(...(await measure('fib chain', 'fib_chain', { steps, n: 10 }, o.runs, [fibRow], (ms) => [median(ms) / steps])));
    }
  }
  if (o.profileFile && weft.chain) {
    await call({ mode: 'profile', flow: 'chain', params: { url, steps }, count: 5, out: o.profileFile });
    o.say(`workload 5: a profile of 5 in-process chains written to ${o.profileFile}`);
  }
  return out;
}

/** The same database as Prefect's server takes it: an SQLAlchemy URL with the asyncpg driver. */
function asyncpgUrl(url: string): string {
  return url.replace(/^postgres:\/\//, 'postgresql+asyncpg://');
}
