// Workload 8: how cost grows with the work. A foreach fan-out (concurrency 50) at 10 to 10,000
// items and a sequential chain at 10 to 1,000 steps, each side measured in ABBA order: makespan,
// tasks/s, history events of one run (its child workflows included) and the bench process's peak
// RSS while the side ran. Is the cost per item flat?

import type { Harness, SideSamples } from './harness.js';
import { type Measure, spreadOf } from './measure.js';
import { chainSides, fanOutSides, historyEvents, type Pace } from './workloads.js';

export type Shape = 'fan-out' | 'chain';
export type Side = 'weft' | 'raw' | 'rawBest';

/** One side at one size, for the plot and `npm run bench:summary`. */
export interface ScalingPoint {
  shape: Shape;
  size: number;
  side: Side;
  runs: number;
  makespanMs: number;
  msPerItem: number;
  tasksPerSecond: number;
  events: number;
  /** Peak RSS of the bench process (both workers, the client, the HTTP server) during the side's runs. */
  peakRssMb: number;
  /** Most RSS rose during one of the side's runs: the memory that run needed beyond what was held. */
  rssGrowthMb: number;
}

export interface ScalingOptions extends Pace {
  quick: boolean;
  say: (line: string) => void;
}

/** The sizes measured: quick mode stops at 100. */
export function scalingSizes(quick: boolean): Record<Shape, number[]> {
  return quick ? { 'fan-out': [10, 100], chain: [10, 100] } : { 'fan-out': [10, 100, 1000, 10_000], chain: [10, 100, 1000] };
}

/** Sizes where a run takes tens of seconds a side: run once, without a warm-up (the smaller sizes before warmed the same code). */
const isLarge = (shape: Shape, size: number) => (shape === 'fan-out' && size > 1000) || (shape === 'chain' && size > 100);

/** Runs a side at each size: three, one where a run is large. */
function runsAt(shape: Shape, size: number, quick: boolean): number {
  return quick || isLarge(shape, size) ? 1 : 3;
}

export async function scalingCurve(h: Harness, o: ScalingOptions): Promise<{ rows: Measure[]; points: ScalingPoint[] }> {
  const rows: Measure[] = [];
  const points: ScalingPoint[] = [];
  for (const [shape, sizes] of Object.entries(scalingSizes(o.quick)) as Array<[Shape, number[]]>) {
    for (const size of sizes) {
      o.say(`workload 8: ${shape} at ${size}`);
      const runs = runsAt(shape, size, o.quick);
      const pace = { settleMs: o.settleMs, warmUp: !isLarge(shape, size) };
      const sides = shape === 'fan-out' ? await fanOutSides(h, runs, pace, size) : await chainSides(h, runs, pace, size);
      const at: ScalingPoint[] = [];
      for (const side of ['weft', 'raw', 'rawBest'] as const) at.push(await pointOf(h, shape, size, side, sides[side]));
      points.push(...at);
      rows.push(...rowsOf(shape, size, at));
    }
  }
  return { rows, points };
}

async function pointOf(h: Harness, shape: Shape, size: number, side: Side, samples: SideSamples<string>): Promise<ScalingPoint> {
  const makespanMs = spreadOf(samples.ms).median;
  return {
    shape,
    size,
    side,
    runs: samples.ms.length,
    makespanMs,
    msPerItem: makespanMs / size,
    tasksPerSecond: (size / makespanMs) * 1000,
    events: await historyEvents(h, samples.last),
    peakRssMb: Math.max(...samples.peakRssMb),
    rssGrowthMb: Math.max(...samples.rssGrowthMb),
  };
}

function rowsOf(shape: Shape, size: number, at: ScalingPoint[]): Measure[] {
  const [weft, raw, rawBest] = (['weft', 'raw', 'rawBest'] as const).map((side) => at.find((p) => p.side === side));
  const workload = `8 scaling ${shape} (${size} ${shape === 'chain' ? 'steps' : 'items'})`;
  const row = (unit: string, of: (p: ScalingPoint) => number): Measure => ({
    workload,
    weft: weft ? of(weft) : Number.NaN,
    raw: raw ? of(raw) : Number.NaN,
    rawBest: rawBest ? of(rawBest) : Number.NaN,
    unit,
  });
  return [
    row(`ms makespan (median of ${weft?.runs ?? 0})`, (p) => p.makespanMs),
    row('ms per item', (p) => p.msPerItem),
    row('tasks/s', (p) => p.tasksPerSecond),
    row('history events per run (children included)', (p) => p.events),
    row('MB RSS growth during a run (bench process: both workers)', (p) => p.rssGrowthMb),
    row('MB peak RSS of the bench process (both workers)', (p) => p.peakRssMb),
  ];
}
