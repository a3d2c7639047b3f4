// Workload 12: sustained load. Small runs (workload 4's 3-step flow, raw's one-activity workflow)
// arrive at a fixed rate, whatever the runs already started are doing (open loop), for a step of
// fixed length; the rate rises step by step. Each step reports p50/p95/p99 from a run's start
// call to its end, and the highest rate each side held with p99 under 1 s. The sides take turns
// step by step (ABBA), with a pause between for the previous step's backlog to drain; a side that
// failed a rate is not tried at the higher ones.

import { setTimeout as delay } from 'node:timers/promises';
import type { Harness } from './harness.js';
import { type Measure, P99_MIN_SAMPLES, percentile, spreadOf } from './measure.js';
import { flow, runRaw, runWeft } from './workloads.js';

/** The p99 a rate must stay under to count as held, ms. */
const HELD_P99_MS = 1000;
/** Most a step's last runs may take to end after its arrivals stop; a run still going then counts as over the line. */
const DRAIN_MS = 30_000;
const PAUSE_MS = 2000;

export interface SustainedOptions {
  quick: boolean;
  say: (line: string) => void;
}

/** Rates (runs/s) and step length: ten minutes of steps in all in a full run, 16 s quick. */
export function sustainedSteps(quick: boolean): { rates: number[]; stepSeconds: number } {
  return quick ? { rates: [5, 10], stepSeconds: 4 } : { rates: [10, 20, 30, 40, 50], stepSeconds: 60 };
}

type Side = 'weft' | 'raw';

export async function sustainedLoad(h: Harness, o: SustainedOptions): Promise<Measure[]> {
  const spec = flow(
    `id: small\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n  - { id: b, type: http, url: "${h.url}/b" }\n  - { id: c, type: log, message: done }\n`,
  );
  const start: Record<Side, () => Promise<unknown>> = { weft: () => runWeft(h, spec), raw: () => runRaw(h, 'rawChain', [h.url, 1]) };
  const { rates, stepSeconds } = sustainedSteps(o.quick);
  const held: Record<Side, number> = { weft: 0, raw: 0 };
  const failed: Record<Side, boolean> = { weft: false, raw: false };
  const rows: Measure[] = [];
  for (const [k, rate] of rates.entries()) {
    const latencies: Partial<Record<Side, number[]>> = {};
    for (const side of k % 2 === 0 ? (['weft', 'raw'] as const) : (['raw', 'weft'] as const)) {
      if (failed[side]) continue;
      await delay(PAUSE_MS);
      const times = await step(start[side], rate, stepSeconds);
      latencies[side] = times;
      const p99 = spreadOf(times).p99 ?? Math.max(...times);
      o.say(`workload 12: ${side} at ${rate} runs/s: p99 ${p99.toFixed(0)} ms`);
      if (p99 < HELD_P99_MS) held[side] = rate;
      else failed[side] = true;
    }
    rows.push(...stepRows(rate, stepSeconds, latencies));
  }
  rows.push({ workload: `12 sustained: highest rate held, p99 < ${HELD_P99_MS} ms`, weft: held.weft, raw: held.raw, unit: 'runs/s (0: none of the rates)' });
  return rows;
}

/** Starts a run every 1/rate s for `seconds`; the latency of each, Infinity for one that had not ended by the drain's end. */
async function step(run: () => Promise<unknown>, rate: number, seconds: number): Promise<number[]> {
  const count = Math.round(rate * seconds);
  const began = performance.now();
  const pending: Array<Promise<number>> = [];
  for (let i = 0; i < count; i++) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 0) await delay(wait);
    const t = performance.now();
    pending.push(run().then(() => performance.now() - t));
  }
  const drained = delay(DRAIN_MS).then(() => Number.POSITIVE_INFINITY);
  return Promise.all(pending.map((p) => Promise.race([p, drained])));
}

function stepRows(rate: number, seconds: number, latencies: Partial<Record<Side, number[]>>): Measure[] {
  const workload = `12 sustained ${rate} runs/s for ${seconds} s`;
  const of = (side: Side) => (latencies[side] ? spreadOf(latencies[side]) : undefined);
  const weft = of('weft');
  const raw = of('raw');
  const n = Math.round(rate * seconds);
  // With fewer than 100 runs (--quick) the tail row is the slowest run, and says so.
  const tail = (side: Side) => {
    const v = latencies[side];
    return v ? (spreadOf(v).p99 ?? Math.max(...v)) : Number.NaN;
  };
  const p95 = (side: Side) => (latencies[side] ? percentile(latencies[side], 95) : Number.NaN);
  const skipped = !weft || !raw ? ' (NaN: that side failed a lower rate)' : '';
  return [
    {
      workload,
      weft: weft?.median ?? Number.NaN,
      raw: raw?.median ?? Number.NaN,
      unit: `ms p50${skipped}`,
      spread: { ...(weft ? { weft } : {}), ...(raw ? { raw } : {}) },
    },
    { workload, weft: p95('weft'), raw: p95('raw'), unit: `ms p95${skipped}` },
    {
      workload,
      weft: tail('weft'),
      raw: tail('raw'),
      unit: `${n >= P99_MIN_SAMPLES ? `ms p99 (n=${n})` : `ms max: n too small for p99 (${n} < ${P99_MIN_SAMPLES})`}${skipped}`,
    },
  ];
}
