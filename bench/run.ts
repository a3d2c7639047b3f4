// `npm run bench [-- --quick]`: measures Weft against raw Temporal on the same machine in the
// same run, on a dev server with Weft's tuned settings and on one with Temporal's defaults.
// Prints a table and writes the JSON: bench/results/<date>-<rev>.json for a full run (what
// `npm run bench:summary` reads), the temp directory for a quick one, or the file of --out=FILE.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { agentLoop } from './agent-workload.js';
import { anchorChain } from './anchor-workload.js';
import { apiOverhead } from './api-workload.js';
import { cpuTicks, stealShare } from './cpu-steal.js';
import { startHarness } from './harness.js';
import { keeperGrants, limitCost } from './limits-workload.js';
import { mcpAtScale, type ScaleBackend } from './mcp-scale-workload.js';
import { mcpRunAndWait } from './mcp-wait-workload.js';
import { mcpOverhead } from './mcp-workload.js';
import { type Measure, spreadText } from './measure.js';
import { memoryAndStartup } from './memory-workload.js';
import { prefectComparison, type WeftFigures } from './prefect-workload.js';
import { recoveryTime } from './recovery-workload.js';
import { defaultResultsFile, sourceRevision } from './results-file.js';
import { scalingSvg } from './scaling-plot.js';
import { type ScalingPoint, scalingCurve } from './scaling-workload.js';
import { scheduleLatency } from './schedule-workload.js';
import { scriptStartCost } from './script-workload.js';
import { sustainedLoad } from './sustained-workload.js';
import { telemetryCost } from './telemetry-workload.js';
import { webhookLatency } from './webhook-workload.js';
import { fanOut, type Pace, pureSteps, sequentialChain, smallRuns } from './workloads.js';

const USAGE = 'usage: npm run bench [-- --quick] [--only=1,2,...] [--out=FILE] [--backends=sqlite,postgres (workload 19)]';
// Anything else (--help too) stops here: a mistyped flag would otherwise start a full run of most of an hour.
const unknown = process.argv.slice(2).filter((a) => a !== '--quick' && !/^--(only|out|backends)=./.test(a));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
  process.exit(2);
}
const quick = process.argv.includes('--quick');
/** The value of `--NAME=VALUE` on the command line. */
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** `--out=FILE`: where the JSON results go instead of the default file. */
const outArgument = flag('out');
const outFile = outArgument ? resolve(outArgument) : undefined;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * How much each workload samples. Full: enough for a median with its interquartile range and, for
 * latencies, a p99 of at least 100 samples; quick: enough to produce every row.
 */
const COUNTS = quick
  ? {
      chainRuns: 3,
      fanOutRuns: 2,
      sequential: 30,
      concurrent: 50,
      bursts: 2,
      mcpCalls: 30,
      webhooks: 20,
      scheduleFires: 3,
      recoveryRounds: 1,
      idleSeconds: 3,
      limitRuns: 10,
      limitBurstRuns: 100,
      limitBursts: 1,
      keeperRequests: 300,
      keeperRounds: 1,
      scriptRuns: 10,
      agentRuns: 3,
      apiCalls: 30,
      telemetryChains: 3,
      mcpWaitCalls: 20,
      scaleRuns: 400,
      scaleLogLines: 10_000,
      scaleLinesPerRun: 100,
      scaleCalls: 5,
      // The PostgreSQL side needs the real Temporal server, built by Go on first use: full runs only.
      scaleBackends: ['sqlite'] as ScaleBackend[],
    }
  : {
      chainRuns: 15,
      fanOutRuns: 7,
      sequential: 100,
      concurrent: 200,
      bursts: 7,
      mcpCalls: 1000,
      webhooks: 200,
      scheduleFires: 15,
      recoveryRounds: 3,
      idleSeconds: 10,
      limitRuns: 30,
      limitBurstRuns: 200,
      limitBursts: 5,
      keeperRequests: 2000,
      keeperRounds: 3,
      scriptRuns: 30,
      agentRuns: 15,
      apiCalls: 300,
      // Telemetry costs a few percent of a step, under the chain's run-to-run spread: twice the chains.
      telemetryChains: 30,
      mcpWaitCalls: 1000,
      scaleRuns: 100_000,
      scaleLogLines: 1_000_000,
      scaleLinesPerRun: 1000,
      scaleCalls: 100,
      scaleBackends: ['sqlite', 'postgres'] as ScaleBackend[],
    };
/** Workload 19's backends: --backends=sqlite,postgres, else the full or quick default. */
const SCALE_BACKENDS = ((): ScaleBackend[] => {
  const named = flag('backends')?.split(',');
  if (!named) return COUNTS.scaleBackends;
  const wrong = named.filter((b) => b !== 'sqlite' && b !== 'postgres');
  if (wrong.length > 0) {
    process.stderr.write(`bench: --backends takes sqlite and postgres (got ${wrong.join(', ')})\n${USAGE}\n`);
    process.exit(2);
  }
  return named as ScaleBackend[];
})();

/** The wait before each timed call for the previous one's aftermath (visibility writes, a collection). */
const PACE: Pace = { settleMs: quick ? 20 : 200 };

/**
 * `--only=1,6` runs just those workloads (the default-config server runs only for workload 1).
 * Workload 5 compares with Weft's figures of 1, 3 and 4, so it measures those too; it runs once
 * the harness has stopped, and measures Prefect's side of workload 18 when 18 runs too.
 */
// --quick stays near 3 minutes: Prefect (5), the cold start of weft dev (7), recovery (11, about
// 15 s a side), sustained load (12, 16 s), telemetry (15, two worker processes, one of which
// bundles its workflows on a first start) and MCP at scale (19) take longer, so a quick run leaves
// them out unless --only names them. A full run leaves out 19 too, to stay within the hour: it
// starts 100,000 runs on each of two Temporal servers, which takes longer than all of the others
// together (see bench/README.md, "Workload 19"); `--only=19` runs it alone.
const DEFAULT_WORKLOADS = quick ? '1,2,3,4,6,8,9,10,13,14,16,17,18' : '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18';
const only = new Set((flag('only') ?? DEFAULT_WORKLOADS).split(',').map(Number));
const needs = (n: number) => only.has(n) || (only.has(5) && [1, 3, 4].includes(n));

/** Workloads that failed: the run goes on without their rows, and the table and the JSON say so. */
const failures: Array<{ workload: string; error: string }> = [];

/** `measure()`, or `fallback` when it throws: one failed workload must not lose an hour of the others. */
async function guarded<T>(workload: string, fallback: T, measure: () => Promise<T>): Promise<T> {
  try {
    return await measure();
  } catch (error) {
    const message = (error as Error).message?.split('\n')[0] ?? String(error);
    failures.push({ workload, error: message });
    say(`workload ${workload} failed, going on without its rows: ${message}`);
    return fallback;
  }
}

interface Measured {
  rows: Measure[];
  scaling: ScalingPoint[];
  /** What workloads 5 and 18 set Prefect's figures against. */
  prefect?: WeftFigures;
}

async function measure(tuned: boolean): Promise<Measured> {
  const none = { rows: [], scaling: [] };
  if (!tuned && !only.has(1)) return none;
  if (![1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].some(needs)) return none;
  const h = await startHarness(tuned, tuned ? 7411 : 7412);
  try {
    const out: Measure[] = [];
    let chain: Measure | undefined;
    if (needs(1) || only.has(2)) {
      say(`${tuned ? 'tuned' : 'default'} server: workload 1`);
      chain = await guarded('1', undefined, () => sequentialChain(h, COUNTS.chainRuns, PACE));
      if (chain) out.push(chain);
    }
    if (!tuned) return { rows: out, scaling: [] };
    if (only.has(2) && chain) {
      say('workload 2');
      const weftStep = chain.weft;
      out.push(...(await guarded('2', [], async () => [await pureSteps(h, COUNTS.chainRuns, weftStep)])));
    }
    let fan100: Measure | undefined;
    if (needs(3)) {
      say('workload 3');
      const fan = await guarded('3', [], () => fanOut(h, COUNTS.fanOutRuns, 100, PACE));
      fan100 = fan[0];
      out.push(...fan);
      if (!quick) out.push(...(await guarded('3', [], () => fanOut(h, COUNTS.fanOutRuns, 1000, PACE))));
    }
    let small: Measure[] = [];
    if (needs(4)) {
      say('workload 4');
      small = await guarded('4', [], () => smallRuns(h, COUNTS.sequential, COUNTS.concurrent, COUNTS.bursts, PACE));
      out.push(...small);
    }
    if (only.has(6)) {
      say('workload 6 (MCP)');
      out.push(...(await guarded('6', [], () => mcpOverhead(h, COUNTS.mcpCalls))));
    }
    let scaling: ScalingPoint[] = [];
    if (only.has(8)) {
      const curve = await guarded('8', { rows: [], points: [] }, () => scalingCurve(h, { ...PACE, quick, say }));
      out.push(...curve.rows);
      scaling = curve.points;
    }
    if (only.has(10)) {
      say('workload 10 (schedule fire to first task)');
      out.push(...(await guarded('10', [], () => scheduleLatency(h, COUNTS.scheduleFires, say))));
    }
    if (only.has(11)) {
      say('workload 11 (recovery after a worker SIGKILL)');
      out.push(...(await guarded('11', [], () => recoveryTime(h, COUNTS.recoveryRounds, say))));
    }
    if (only.has(12)) {
      say('workload 12 (sustained load)');
      out.push(...(await guarded('12', [], () => sustainedLoad(h, { quick, say }))));
    }
    if (only.has(13)) {
      say('workload 13 (flow concurrency: a free slot, and a burst through the keeper)');
      out.push(
        ...(await guarded('13', [], () => limitCost(h, { runs: COUNTS.limitRuns, burstRuns: COUNTS.limitBurstRuns, bursts: COUNTS.limitBursts, pace: PACE }))),
      );
      out.push(...(await guarded('13', [], async () => [await keeperGrants(h, COUNTS.keeperRequests, COUNTS.keeperRounds)])));
    }
    if (only.has(14)) {
      say('workload 14 (agent loop: a model call and a tool call a step)');
      out.push(...(await guarded('14', [], () => agentLoop(h, COUNTS.agentRuns, say))));
    }
    if (only.has(15)) {
      say('workload 15 (telemetry on against off)');
      out.push(...(await guarded('15', [], () => telemetryCost(h, { chainRuns: COUNTS.telemetryChains, sequential: COUNTS.sequential, pace: PACE, say }))));
    }
    if (only.has(16)) {
      say('workload 16 (the JSON API: a start and a read over HTTP against the direct service call)');
      out.push(...(await guarded('16', [], () => apiOverhead(h, COUNTS.apiCalls))));
    }
    if (only.has(17)) {
      say('workload 17 (a script task run in the sandbox against the process runner)');
      out.push(...(await guarded('17', [], () => scriptStartCost(h, COUNTS.scriptRuns, PACE))));
    }
    let fibChain: Measure | undefined;
    if (only.has(18)) {
      say('workload 18 (the anchor chain: 40 tasks computing fib(10))');
      fibChain = await guarded('18', undefined, () => anchorChain(h, COUNTS.chainRuns, PACE));
      if (fibChain) out.push(fibChain);
    }
    // Last: it adds 100,000 runs to the dev server's visibility, which every later read would carry.
    if (only.has(19)) {
      say('workload 19 (MCP end to end: run_flow waiting on 4 clients; list_runs and query_logs at scale)');
      out.push(...(await guarded('19', [], () => mcpRunAndWait(h, { calls: COUNTS.mcpWaitCalls, settleMs: Math.min(50, PACE.settleMs), say }))));
      const scale = {
        runs: COUNTS.scaleRuns,
        logLines: COUNTS.scaleLogLines,
        linesPerRun: COUNTS.scaleLinesPerRun,
        calls: COUNTS.scaleCalls,
        backends: SCALE_BACKENDS,
        say,
      };
      out.push(...(await guarded('19', [], () => mcpAtScale(h, scale))));
    }
    return { rows: out, scaling, prefect: { chain, fanOut: fan100, small, fibChain } };
  } finally {
    await h.close();
  }
}

/** Above this share of stolen CPU time the table warns that its figures are not to be trusted. */
const STEAL_WARNING = 0.05;

const num = (v: number | undefined, width: number, digits = 2) => (v === undefined ? ''.padStart(width) : v.toFixed(digits).padStart(width));

/** The table: Weft, raw (same design) and raw best, their ratios, the unit and the spread. */
function table(rows: Array<Measure & { server: string }>): string[] {
  const lines = [`server   ${'workload'.padEnd(60)}      weft        raw   weft/raw   raw best  weft/best  unit`];
  for (const r of rows) {
    const best = r.rawBest === undefined ? undefined : r.weft / r.rawBest;
    const spread = spreadText(r);
    const added = r.unit.includes('weft - raw') ? ` = +${(r.weft - r.raw).toFixed(2)} ms` : '';
    lines.push(
      `${r.server.padEnd(8)} ${r.workload.padEnd(60)} ${num(r.weft, 9)} ${num(r.raw, 10)} ${num(r.weft / r.raw, 10, 3)} ${num(r.rawBest, 10)} ${num(best, 10, 3)}  ${r.unit}${added}${spread ? `  [${spread}]` : ''}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const ticksBefore = cpuTicks();
  const tuned = await measure(true);
  // With the harness stopped: no Temporal server, worker or run is left on the machine.
  if (only.has(5) && tuned.prefect) {
    say('workload 5 (Prefect)');
    const options = {
      runs: COUNTS.chainRuns,
      fanOutRuns: COUNTS.fanOutRuns,
      items: 100,
      sequential: COUNTS.sequential,
      concurrent: COUNTS.concurrent,
      profileFile: process.env.WEFT_BENCH_PREFECT_PROFILE,
      say,
    };
    const weft = tuned.prefect;
    tuned.rows.push(...(await guarded('5', [], () => prefectComparison(weft, options))));
  }
  // Each spawns its own Temporal server, so it runs with the harness's stopped.
  let webhooks: Measure[] = [];
  if (only.has(9)) {
    say('workload 9 (webhook request to run started)');
    webhooks = await guarded('9', [], () => webhookLatency(COUNTS.webhooks));
  }
  const defaults = await guarded('1 (default server)', { rows: [], scaling: [] }, () => measure(false));
  // Last, alone on the machine: `weft dev` as its own process tree.
  let dev: Measure[] = [];
  if (only.has(7)) {
    say('workload 7 (weft dev memory and start-up)');
    dev = await guarded('7', [], () => memoryAndStartup(COUNTS.idleSeconds));
  }
  const rows = [
    ...tuned.rows.map((m) => ({ server: 'tuned', ...m })),
    ...webhooks.map((m) => ({ server: 'server', ...m })),
    ...defaults.rows.map((m) => ({ server: 'default', ...m })),
    ...dev.map((m) => ({ server: 'dev', ...m })),
  ];
  const lines = table(rows);
  const defaultChain = defaults.rows[0];
  const tunedChain = tuned.rows[0];
  if (defaultChain && tunedChain?.workload === defaultChain.workload)
    lines.push(`tuning effect on raw Temporal, workload 1: ${defaultChain.raw.toFixed(2)} -> ${tunedChain.raw.toFixed(2)} ms/step`);
  for (const f of failures) lines.push(`workload ${f.workload} FAILED, no rows: ${f.error}`);
  const steal = stealShare(ticksBefore, cpuTicks());
  if (steal !== undefined) {
    lines.push(
      `CPU time taken by the host (steal): ${(steal * 100).toFixed(1)}%${steal > STEAL_WARNING ? ' -- over 5%: the machine was shared, run again when it is quieter' : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const revision = sourceRevision();
  const file = outFile ?? defaultResultsFile(quick, revision, startedAt);
  await mkdir(dirname(file), { recursive: true });
  const host = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(totalmem() / 2 ** 20) };
  const results = {
    quick,
    revision,
    startedAt: startedAt.toISOString(),
    node: process.version,
    host,
    counts: COUNTS,
    settleMs: PACE.settleMs,
    // A run of some workloads only: never part of a headline (bench:summary skips it).
    ...(flag('only') ? { only: [...only].sort((a, b) => a - b) } : {}),
    ...(steal !== undefined ? { cpuSteal: steal } : {}),
    rows,
    scaling: tuned.scaling,
    ...(failures.length > 0 ? { failures } : {}),
  };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  say(`results written to ${file}`);
  if (tuned.scaling.length > 0) {
    const svg = file.replace(/\.json$/, '') + '.svg';
    await writeFile(svg, scalingSvg(tuned.scaling, `Cost per item as the work grows (${revision}, ${startedAt.toISOString().slice(0, 10)})`));
    say(`scaling plot written to ${svg}`);
  }
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
