// The workloads of bench/README.md, each measured for Weft and for a raw Temporal baseline in
// the same run.

import { randomUUID } from 'node:crypto';
import { runSearchAttributes } from '../src/core/runs/search-attributes.js';
import type { FlowSpec } from '../src/core/spec/flow-spec.js';
import { validFlow } from '../src/services/flow-service.js';
import { type Harness, interleaved, medianMs, percentile } from './harness.js';

/** A bench flow: its text and its checked spec. */
interface BenchFlow {
  yaml: string;
  spec: FlowSpec;
}

function flow(yaml: string): BenchFlow {
  return { yaml, spec: validFlow(yaml, 'bench flow') };
}

/**
 * Runs the flow to completion through the run service, as `weft run start FILE --wait` does
 * (the state only; the run is read in full only when it failed); returns its run id.
 */
async function runWeft(h: Harness, flow: BenchFlow, inputs: Record<string, unknown> = {}): Promise<string> {
  const { runId } = await h.runs.startUnsaved(flow.spec, flow.yaml, { inputs });
  const state = await h.runs.waitForClose(runId);
  if (state !== 'COMPLETED') throw new Error(`bench run ${runId} ended ${state}: ${JSON.stringify((await h.runs.get(runId)).error)}`);
  return runId;
}

/** `attributesOf`: start the raw run with the search attributes Weft gives a run of that flow. */
async function runRaw(h: Harness, type: string, args: unknown[], attributesOf?: BenchFlow): Promise<string> {
  const workflowId = `raw-${randomUUID()}`;
  const typedSearchAttributes = attributesOf ? runSearchAttributes(attributesOf.spec, 0, 'api') : undefined;
  await h.client.workflow.execute(type, { taskQueue: h.rawQueue, workflowId, args, typedSearchAttributes });
  return workflowId;
}

/** History events of a workflow and of every child workflow it started (foreach batches). */
async function historyEvents(h: Harness, workflowId: string): Promise<number> {
  const events = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  let count = events.length;
  for (const event of events) {
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) count += await historyEvents(h, child);
  }
  return count;
}

export interface Measure {
  workload: string;
  weft: number;
  raw: number;
  unit: string;
}

/** Workload 1: 40 sequential activity steps. */
export async function sequentialChain(h: Harness, runs: number, steps = 40): Promise<Measure> {
  const tasks = Array.from({ length: steps }, (_, i) => `  - { id: s${i}, type: http, url: "${h.url}/${i}" }`).join('\n');
  const spec = flow(`id: chain\ntasks:\n${tasks}\n`);
  const [weft, raw] = await interleaved(
    runs,
    () => runWeft(h, spec),
    () => runRaw(h, 'rawChain', [h.url, steps]),
  );
  return { workload: `1 sequential chain (${steps} steps)`, weft: weft.medianMs / steps, raw: raw.medianMs / steps, unit: 'ms/step' };
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

/** Workload 3: foreach fan-out/fan-in with concurrency 50: makespan, tasks/s, history size, CPU. */
export async function fanOut(h: Harness, runs: number, items: number): Promise<Measure[]> {
  const spec = flow(
    `id: fan\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    tasks:\n      - { id: get, type: http, url: "${h.url}/{{ item }}" }\n`,
  );
  const list = Array.from({ length: items }, (_, i) => i);
  const [weft, raw] = await interleaved(
    runs,
    () => runWeft(h, spec, { items: list }),
    () => runRaw(h, 'rawFanOut', [h.url, items, 50]),
  );
  const name = `3 foreach fan-out (${items} items, concurrency 50)`;
  return [
    { workload: name, weft: weft.medianMs, raw: raw.medianMs, unit: 'ms makespan' },
    { workload: name, weft: (items / weft.medianMs) * 1000, raw: (items / raw.medianMs) * 1000, unit: 'tasks/s' },
    {
      workload: name,
      weft: await historyEvents(h, weft.last),
      raw: await historyEvents(h, raw.last),
      unit: 'history events (children included)',
    },
    { workload: name, weft: weft.cpuSeconds, raw: raw.cpuSeconds, unit: 'worker CPU-seconds per run' },
  ];
}

/** Workload 4: many small runs (3 steps), sequential then in concurrent bursts; p50 latency, runs/s. */
export async function smallRuns(h: Harness, sequential: number, concurrent: number, bursts: number): Promise<Measure[]> {
  const spec = flow(
    `id: small\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n  - { id: b, type: http, url: "${h.url}/b" }\n  - { id: c, type: log, message: done }\n`,
  );
  const timed = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  // Three sides: Weft, raw, and raw started with Weft's search attributes (which the server
  // indexes on every start and close), so the table separates what the interpreter costs from
  // what listing runs by flow costs the server.
  const sides = {
    weft: () => runWeft(h, spec),
    raw: () => runRaw(h, 'rawChain', [h.url, 1]),
    rawIndexed: () => runRaw(h, 'rawChain', [h.url, 1], spec),
  };
  type Side = keyof typeof sides;
  const names = Object.keys(sides) as Side[];
  const seq: Record<Side, number[]> = { weft: [], raw: [], rawIndexed: [] };
  for (let i = 0; i < sequential; i++) for (const side of names) seq[side].push(await timed(sides[side]));
  // Bursts of `concurrent` runs, the sides taking turns and the order rotating each round, so
  // what one burst leaves behind on the machine (the server's visibility and history work, a
  // collection) does not always fall on the same side.
  const burst = async (one: () => Promise<unknown>) => {
    const start = performance.now();
    const latencies = await Promise.all(Array.from({ length: concurrent }, () => timed(one)));
    return { runsPerSecond: (concurrent / (performance.now() - start)) * 1000, p50: percentile(latencies, 50) };
  };
  const bursted: Record<Side, { runsPerSecond: number; p50: number }[]> = { weft: [], raw: [], rawIndexed: [] };
  for (let round = 0; round < bursts; round++) {
    for (let k = 0; k < names.length; k++) {
      const side = names[(round + k) % names.length] as Side;
      bursted[side].push(await burst(sides[side]));
    }
  }
  const median = (side: Side, key: 'runsPerSecond' | 'p50') =>
    percentile(
      bursted[side].map((b) => b[key]),
      50,
    );
  const indexed = "raw with Weft's search attributes";
  const sequentialRow = `4 small runs, ${sequential} sequential`;
  const concurrentRow = `4 small runs, ${concurrent} concurrent`;
  const perSecond = `runs/s (median of ${bursts} bursts)`;
  return [
    { workload: sequentialRow, weft: percentile(seq.weft, 50), raw: percentile(seq.raw, 50), unit: 'ms p50' },
    { workload: sequentialRow, weft: percentile(seq.weft, 95), raw: percentile(seq.raw, 95), unit: 'ms p95' },
    { workload: concurrentRow, weft: median('weft', 'runsPerSecond'), raw: median('raw', 'runsPerSecond'), unit: perSecond },
    { workload: concurrentRow, weft: median('weft', 'p50'), raw: median('raw', 'p50'), unit: 'ms p50 (median of bursts)' },
    { workload: sequentialRow, weft: percentile(seq.weft, 50), raw: percentile(seq.rawIndexed, 50), unit: `ms p50, ${indexed}` },
    { workload: concurrentRow, weft: median('weft', 'runsPerSecond'), raw: median('rawIndexed', 'runsPerSecond'), unit: `${perSecond}, ${indexed}` },
  ];
}
