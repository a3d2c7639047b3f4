// Workload 10: from a schedule's fire time to its run's first task starting. Weft's schedule
// trigger (a Temporal Schedule starting `flowRun` with the revision each save writes into it)
// against a raw Temporal Schedule starting a raw workflow of one activity. Both fire every 2 s, a second apart, so they take turns; the first task is an
// HTTP call to the loopback server, whose arrival time is the task's start, on the same clock as
// the nominal fire time (the interval's multiple of 2 s since the epoch, plus the offset).

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { FlowService } from '../src/services/flow-service.js';
import { TriggerService } from '../src/services/triggers/trigger-service.js';
import type { Harness } from './harness.js';
import { type Measure, percentile, spreadOf } from './measure.js';

const EVERY_MS = 2000;
/** The raw Schedule fires this long after Weft's, so the two never start together. */
const RAW_OFFSET_MS = 1000;
/** Fires of each side skipped before timing: the first start of a workflow type warms caches. */
const WARM_UP_FIRES = 1;

export async function scheduleLatency(h: Harness, fires: number, say: (line: string) => void): Promise<Measure[]> {
  const base = new URL(h.url).origin;
  const arrivals = { weft: [] as number[], raw: [] as number[] };
  const stop = h.ok.onRequest((path, at) => {
    if (path === '/sched-weft') arrivals.weft.push(at);
    else if (path.startsWith('/sched-raw/')) arrivals.raw.push(at);
  });
  const flows = new FlowService(h.store);
  flows.observe(new TriggerService(h.client, flows, { namespace: 'default', taskQueue: h.weftQueue, storeId: `bench-${randomUUID()}` }));
  const yaml = `id: tick\nnamespace: bench\ntasks:\n  - { id: get, type: http, url: "${base}/sched-weft" }\ntriggers:\n  - { id: clock, type: schedule, every: ${EVERY_MS / 1000}s }\n`;
  const rawSchedule = `bench-raw-${randomUUID()}`;
  const { flow } = await flows.save(yaml);
  await h.client.schedule.create({
    scheduleId: rawSchedule,
    spec: { intervals: [{ every: EVERY_MS, offset: RAW_OFFSET_MS }] },
    action: { type: 'startWorkflow', workflowType: 'rawChain', args: [`${base}/sched-raw`, 1], taskQueue: h.rawQueue, workflowId: rawSchedule },
    policies: { overlap: 'SKIP' },
  });
  try {
    const wanted = fires + WARM_UP_FIRES;
    const deadline = Date.now() + (wanted + 5) * EVERY_MS + 10_000;
    while (arrivals.weft.length < wanted || arrivals.raw.length < wanted) {
      if (Date.now() > deadline) throw new Error(`workload 10: ${arrivals.weft.length} Weft and ${arrivals.raw.length} raw fires of ${wanted} arrived in time`);
      await delay(200);
    }
  } finally {
    stop();
    await flows.delete(flow);
    await h.client.schedule.getHandle(rawSchedule).delete();
  }
  const lag = (times: number[], offset: number) => times.slice(WARM_UP_FIRES, WARM_UP_FIRES + fires).map((at) => at - nominalFire(at, offset));
  const weft = lag(arrivals.weft, 0);
  const raw = lag(arrivals.raw, RAW_OFFSET_MS);
  say(`workload 10: Weft ${weft.map((v) => v.toFixed(0)).join(' ')} ms; raw ${raw.map((v) => v.toFixed(0)).join(' ')} ms`);
  const workload = `10 schedule fire to first task start (${fires} fires a side)`;
  const weftSpread = spreadOf(weft);
  const rawSpread = spreadOf(raw);
  return [
    { workload, weft: weftSpread.median, raw: rawSpread.median, unit: 'ms p50 (target weft/raw <= 1.2)', spread: { weft: weftSpread, raw: rawSpread } },
    { workload, weft: percentile(weft, 95), raw: percentile(raw, 95), unit: 'ms p95' },
  ];
}

/** The latest fire time of an every-2 s interval with `offset` at or before `at` (both epoch ms). */
function nominalFire(at: number, offset: number): number {
  return Math.floor((at - offset) / EVERY_MS) * EVERY_MS + offset;
}
