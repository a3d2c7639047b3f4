// Workload 13: what flow concurrency costs. A one-task run under `concurrency: { limit: 1 }`
// against the same flow without a limit, one run at a time in ABBA order, so the slot is always
// free and the difference is the grant and the release (target: at most 15 ms added at p50).
// Then a burst of runs started at once under `limit: 50`, where every run waits in its flow's
// keeper: runs through the keeper per second against the same burst without a limit (target:
// at least 200 grants/s).

import { alternate, type Harness } from './harness.js';
import type { Measure } from './measure.js';
import { spreadOf } from './measure.js';
import { flow, type Pace, runWeft } from './workloads.js';

const ADDED_TARGET_MS = 15;
const GRANTS_TARGET = 200;
const BURST_LIMIT = 50;

function oneTaskFlow(id: string, url: string, concurrency?: number) {
  const limit = concurrency ? `concurrency: { limit: ${concurrency} }\n` : '';
  return flow(`id: ${id}\nnamespace: bench\n${limit}tasks:\n  - { id: get, type: http, url: "${url}/limit" }\n`);
}

/** Starts `runs` runs of `spec` at once and waits for all of them to complete. */
async function burst(h: Harness, spec: ReturnType<typeof flow>, runs: number): Promise<void> {
  await Promise.all(Array.from({ length: runs }, () => runWeft(h, spec)));
}

export async function limitCost(h: Harness, options: { runs: number; burstRuns: number; bursts: number; pace: Pace }): Promise<Measure[]> {
  const limited = oneTaskFlow('limited', h.url, 1);
  const free = oneTaskFlow('unlimited', h.url);
  const single = await alternate(options.runs, { weft: () => runWeft(h, limited), raw: () => runWeft(h, free) }, options.pace.settleMs);
  const wide = oneTaskFlow('limited-wide', h.url, BURST_LIMIT);
  const bursts = await alternate(
    options.bursts,
    { weft: () => burst(h, wide, options.burstRuns), raw: () => burst(h, free, options.burstRuns) },
    options.pace.settleMs * 5,
  );
  const withLimit = spreadOf(single.weft.ms);
  const without = spreadOf(single.raw.ms);
  const grants = (s: typeof bursts.weft) => spreadOf(s.ms.map((ms) => options.burstRuns / (ms / 1000)));
  const limitedRate = grants(bursts.weft);
  const freeRate = grants(bursts.raw);
  return [
    {
      workload: `13 one-task run under limit 1, slot free (${options.runs} a side)`,
      weft: withLimit.median,
      raw: without.median,
      unit: `ms p50, raw column: no limit; weft - raw = added (target <= ${ADDED_TARGET_MS})`,
      spread: { weft: withLimit, raw: without },
    },
    {
      workload: `13 ${options.burstRuns} runs at once under limit ${BURST_LIMIT} (${options.bursts} bursts)`,
      weft: limitedRate.median,
      raw: freeRate.median,
      unit: `grants/s, raw column: the same burst without a limit (target >= ${GRANTS_TARGET})`,
      spread: { weft: limitedRate, raw: freeRate },
    },
  ];
}
