// The workloads of bench/README.md, each measured for Weft and for a raw Temporal baseline in
// the same run.

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { runSearchAttributes } from '../src/core/runs/search-attributes.js';
import type { FlowSpec } from '../src/core/spec/flow-spec.js';
import { validFlow } from '../src/services/flow-service.js';
import { alternate, type Harness, medianMs, type SideSamples } from './harness.js';
import { type Measure, median, percentile, type Spread, spreadOf } from './measure.js';

/** A bench flow: its text and its checked spec. */
export interface BenchFlow {
  yaml: string;
  spec: FlowSpec;
}

export function flow(yaml: string): BenchFlow {
  return { yaml, spec: validFlow(yaml, 'bench flow') };
}

/** Runs a start call when a submission slot is free (`bounded`). */
export type Submit = <T>(start: () => Promise<T>) => Promise<T>;

/**
 * Start calls a burst keeps in flight at once, on every side (workload 4 and the Prefect side of
 * workload 5, bench/prefect/workloads.py): Prefect's API client opens at most 16 connections.
 */
export const SUBMIT_IN_FLIGHT = 16;

/** A Submit that lets at most `limit` start calls be in flight; the others wait in order. */
export function bounded(limit: number): Submit {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  return async (start) => {
    if (inFlight >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    try {
      return await start();
    } finally {
      // The slot passes straight to the next waiter, so it is never free in between.
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    }
  };
}

const direct: Submit = (start) => start();

/**
 * Runs the flow to completion through the run service, as `weft run start FILE --wait` does
 * (the state only; the run is read in full only when it failed); returns its run id. `submit`
 * bounds the start call alone, not the wait for the run's end.
 */
export async function runWeft(h: Harness, flow: BenchFlow, inputs: Record<string, unknown> = {}, submit: Submit = direct): Promise<string> {
  const { runId } = await submit(() => h.runs.startUnsaved(flow.spec, flow.yaml, { inputs }));
  const state = await h.runs.waitForClose(runId);
  if (state !== 'COMPLETED') throw new Error(`bench run ${runId} ended ${state}: ${JSON.stringify((await h.runs.get(runId)).error)}`);
  return runId;
}

/** `attributesOf`: start the raw run with the search attributes Weft gives a run of that flow. */
export async function runRaw(h: Harness, type: string, args: unknown[], attributesOf?: BenchFlow, submit: Submit = direct): Promise<string> {
  const workflowId = `raw-${randomUUID()}`;
  const typedSearchAttributes = attributesOf ? runSearchAttributes(attributesOf.spec, 0, 'api') : undefined;
  const handle = await submit(() => h.client.workflow.start(type, { taskQueue: h.rawQueue, workflowId, args, typedSearchAttributes }));
  await handle.result();
  return workflowId;
}

/** History events of a workflow and of every child workflow it started (foreach batches). */
export async function historyEvents(h: Harness, workflowId: string): Promise<number> {
  const events = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  let count = events.length;
  for (const event of events) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) count += await historyEvents(h, child);
  }
  return count;
}

/** ms to wait before each timed call, for the previous call's aftermath to settle (`alternate`). */
export interface Pace {
  settleMs: number;
  /** One untimed call of each side first (default true). */
  warmUp?: boolean;
}

/** The three sides of workloads 1 and 3: Weft, raw with Weft's design, raw best. */
export type Sides = { weft: SideSamples<string>; raw: SideSamples<string>; rawBest: SideSamples<string> };

/** A row whose figure is the median of each side's samples, `per` turning a sample into the row's unit. */
export function medianRow(
  workload: string,
  unit: string,
  sides: Sides,
  pick: (s: SideSamples<string>) => number[],
  per: (v: number) => number = (v) => v,
): Measure {
  const spread = (s: SideSamples<string>): Spread => spreadOf(pick(s).map(per));
  const weft = spread(sides.weft);
  const raw = spread(sides.raw);
  const rawBest = spread(sides.rawBest);
  return { workload, weft: weft.median, raw: raw.median, rawBest: rawBest.median, unit, spread: { weft, raw, rawBest } };
}

/** Workload 1: `steps` sequential activity steps (40 by default, the widely cited chain). */
export async function sequentialChain(h: Harness, runs: number, pace: Pace, steps = 40): Promise<Measure> {
  const sides = await chainSides(h, runs, pace, steps);
  return medianRow(
    `1 sequential chain (${steps} steps)`,
    'ms/step',
    sides,
    (s) => s.ms,
    (ms) => ms / steps,
  );
}

/** Samples of a chain of `steps` on each side, in ABBA order. */
export function chainSides(h: Harness, runs: number, pace: Pace, steps: number): Promise<Sides> {
  const tasks = Array.from({ length: steps }, (_, i) => `  - { id: s${i}, type: http, url: "${h.url}/${i}" }`).join('\n');
  const spec = flow(`id: chain\ntasks:\n${tasks}\n`);
  return alternate(
    runs,
    {
      weft: () => runWeft(h, spec),
      raw: () => runRaw(h, 'rawChain', [h.url, steps]),
      rawBest: () => runRaw(h, 'rawChainBest', [h.url, steps]),
    },
    pace.settleMs,
    pace.warmUp ?? true,
  );
}

/** Workload 2: 200 pure steps (set/if/log) against one activity step of workload 1. */
export async function pureSteps(h: Harness, runs: number, activityStepMs: number): Promise<Measure> {
  const tasks: string[] = [];
  for (let i = 0; i < 200; i += 4) {
    tasks.push(`  - { id: v${i}, type: set, values: { n: "{{ ${i} * 2 }}" } }`);
    tasks.push(`  - { id: c${i}, type: if, condition: "{{ outputs.v${i}.n > 0 }}", then: [{ id: t${i}, type: set, values: { ok: true } }] }`);
    tasks.push(`  - { id: l${i}, type: log, message: "step ${i}" }`);
  }
  const spec = flow(`id: pure\ntasks:\n${tasks.join('\n')}\n`);
  const steps = 200;
  const weft = await medianMs(runs, () => runWeft(h, spec));
  return { workload: '2 pure steps (200 set/if/log)', weft: weft / steps, raw: activityStepMs, unit: 'ms/step vs activity step' };
}

/** Samples of a foreach fan-out of `items` with concurrency 50 on each side, in ABBA order. */
export function fanOutSides(h: Harness, runs: number, pace: Pace, items: number): Promise<Sides> {
  const spec = flow(
    `id: fan\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    tasks:\n      - { id: get, type: http, url: "${h.url}/{{ item }}" }\n`,
  );
  const list = Array.from({ length: items }, (_, i) => i);
  return alternate(
    runs,
    {
      weft: () => runWeft(h, spec, { items: list }),
      raw: () => runRaw(h, 'rawFanOut', [h.url, items, 50]),
      rawBest: () => runRaw(h, 'rawFanOutBest', [h.url, items, 50]),
    },
    pace.settleMs,
    pace.warmUp ?? true,
  );
}

/** Workload 3: foreach fan-out/fan-in with concurrency 50: makespan, tasks/s, history size, CPU. */
export async function fanOut(h: Harness, runs: number, items: number, pace: Pace): Promise<Measure[]> {
  const sides = await fanOutSides(h, runs, pace, items);
  const name = `3 foreach fan-out (${items} items, concurrency 50)`;
  const [weftEvents, rawEvents, bestEvents] = await Promise.all([sides.weft, sides.raw, sides.rawBest].map((s) => historyEvents(h, s.last)));
  return [
    medianRow(name, 'ms makespan', sides, (s) => s.ms),
    medianRow(
      name,
      'tasks/s',
      sides,
      (s) => s.ms,
      (ms) => (items / ms) * 1000,
    ),
    { workload: name, weft: weftEvents ?? 0, raw: rawEvents ?? 0, rawBest: bestEvents, unit: 'history events (children included)' },
    medianRow(name, 'worker CPU-seconds per run', sides, (s) => s.cpuSeconds),
  ];
}

/** Workload 4: many small runs (3 steps), sequential then in concurrent bursts; latency, runs/s. */
export async function smallRuns(h: Harness, sequential: number, concurrent: number, bursts: number, pace: Pace): Promise<Measure[]> {
  const spec = flow(
    `id: small\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n  - { id: b, type: http, url: "${h.url}/b" }\n  - { id: c, type: log, message: done }\n`,
  );
  // Four sides: Weft, raw, raw started with Weft's search attributes (which the server indexes
  // on every start and close, so the table separates what the interpreter costs from what
  // listing runs by flow costs the server), and raw best (a local activity).
  const sides = {
    weft: (submit?: Submit) => runWeft(h, spec, {}, submit),
    raw: (submit?: Submit) => runRaw(h, 'rawChain', [h.url, 1], undefined, submit),
    rawIndexed: (submit?: Submit) => runRaw(h, 'rawChain', [h.url, 1], spec, submit),
    rawBest: (submit?: Submit) => runRaw(h, 'rawChainBest', [h.url, 1], undefined, submit),
  };
  type Side = keyof typeof sides;
  const names = Object.keys(sides) as Side[];
  const seq = await alternate(sequential, sides, pace.settleMs / 4);
  const latencies: Record<Side, number[]> = { weft: [], raw: [], rawIndexed: [], rawBest: [] };
  // Bursts of `concurrent` runs, the sides taking turns and the order rotating each round, so
  // what one burst leaves behind on the machine (the server's visibility and history work, a
  // collection) does not always fall on the same side. Every run's clock starts with the burst;
  // its start call then waits for one of SUBMIT_IN_FLIGHT slots, as Prefect's bursts do.
  const burst = async (side: Side) => {
    await delay(pace.settleMs);
    const submit = bounded(SUBMIT_IN_FLIGHT);
    const start = performance.now();
    const times = await Promise.all(Array.from({ length: concurrent }, () => timed(() => sides[side](submit))));
    latencies[side].push(...times);
    return { runsPerSecond: (concurrent / (performance.now() - start)) * 1000, p50: median(times) };
  };
  const bursted: Record<Side, { runsPerSecond: number; p50: number }[]> = { weft: [], raw: [], rawIndexed: [], rawBest: [] };
  for (let round = 0; round < bursts; round++) {
    for (let k = 0; k < names.length; k++) {
      const side = names[(round + k) % names.length] as Side;
      bursted[side].push(await burst(side));
    }
  }
  const burstSpread = (side: Side, key: 'runsPerSecond' | 'p50') => spreadOf(bursted[side].map((b) => b[key]));
  const row = (workload: string, unit: string, of: (side: Side) => Spread, base: Side = 'raw'): Measure => {
    const weft = of('weft');
    const raw = of(base);
    const rawBest = of('rawBest');
    return { workload, weft: weft.median, raw: raw.median, rawBest: rawBest.median, unit, spread: { weft, raw, rawBest } };
  };
  const p99Row = (workload: string, unit: string, samples: Record<Side, number[]>): Measure => {
    const [weft, raw, rawBest] = (['weft', 'raw', 'rawBest'] as const).map((side) => spreadOf(samples[side]).p99);
    const n = samples.weft.length;
    if (weft === null || weft === undefined)
      return { workload, weft: Number.NaN, raw: Number.NaN, rawBest: Number.NaN, unit: `${unit}: n too small (${n} < 100)` };
    return { workload, weft, raw: raw ?? Number.NaN, rawBest: rawBest ?? Number.NaN, unit: `${unit} (n=${n})` };
  };
  const seqMs = (side: Side) => seq[side].ms;
  const seqSamples = { weft: seqMs('weft'), raw: seqMs('raw'), rawIndexed: seqMs('rawIndexed'), rawBest: seqMs('rawBest') };
  const indexed = "raw with Weft's search attributes";
  const sequentialRow = `4 small runs, ${sequential} sequential`;
  const concurrentRow = `4 small runs, ${concurrent} concurrent`;
  const perSecond = `runs/s (median of ${bursts} bursts)`;
  const seqSpread = (side: Side) => spreadOf(seqMs(side));
  return [
    // The first four rows, in this order, are what workload 5 compares Prefect with.
    row(sequentialRow, 'ms p50', seqSpread),
    {
      workload: sequentialRow,
      weft: percentile(seqMs('weft'), 95),
      raw: percentile(seqMs('raw'), 95),
      rawBest: percentile(seqMs('rawBest'), 95),
      unit: 'ms p95',
    },
    row(concurrentRow, perSecond, (side) => burstSpread(side, 'runsPerSecond')),
    row(concurrentRow, `ms p50 (median of ${bursts} bursts)`, (side) => burstSpread(side, 'p50')),
    p99Row(sequentialRow, 'ms p99', seqSamples),
    p99Row(concurrentRow, `ms p99 of all ${bursts} bursts' runs`, latencies),
    row(sequentialRow, `ms p50, ${indexed}`, seqSpread, 'rawIndexed'),
    row(concurrentRow, `${perSecond}, ${indexed}`, (side) => burstSpread(side, 'runsPerSecond'), 'rawIndexed'),
  ];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
