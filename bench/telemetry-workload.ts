// Workload 15: what telemetry costs a worker. Two `weft worker` processes on the harness's
// Temporal server, one with telemetry (OTLP/HTTP traces and metrics to a loopback receiver that
// reads and drops every export, with the default batching and export interval, and a Prometheus
// port) and one without, run the chain of workload 1 and the small run of workload 4 in ABBA
// turns. Target: on/off <= 1.05. The client side (the server's request and StartWorkflow spans)
// is not in it: both sides' runs start from the bench's own client.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import { alternate, type Harness } from './harness.js';
import { type Measure, spreadOf } from './measure.js';
import { spawnWeft, type WeftProcess } from './weft-process.js';
import { type BenchFlow, flow, type Pace } from './workloads.js';

const TARGET = 1.05;
const CHAIN_STEPS = 40;

type Side = 'on' | 'off';

/** Waits until the worker says it polls its queue (the telemetry side first bundles its workflows). */
async function polling(worker: WeftProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (/worker polling task queue/.test(worker.output())) return;
    if (worker.child.exitCode !== null) throw new Error(`weft worker exited: ${worker.output()}`);
    await delay(50);
  }
  throw new Error(`weft worker did not start in time: ${worker.output()}`);
}

export async function telemetryCost(
  h: Harness,
  options: { chainRuns: number; sequential: number; pace: Pace; say: (line: string) => void },
): Promise<Measure[]> {
  let exports = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const otlp = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const queues: Record<Side, string> = { on: `telemetry-on-${randomUUID()}`, off: `telemetry-off-${randomUUID()}` };
  const common = { TEMPORAL_ADDRESS: h.address, WEFT_DATA_DIR: h.dataDir, WEFT_HTTP_ALLOWED_HOSTS: new URL(h.url).host, WEFT_LOG_LEVEL: 'info' };
  const workers: WeftProcess[] = [];
  try {
    const off = await spawnWeft(['worker'], {
      ...common,
      WEFT_TASK_QUEUE: queues.off,
    });
    workers.push(off);
    const on = await spawnWeft(['worker'], {
      ...common,
      WEFT_TASK_QUEUE: queues.on,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      WEFT_WORKER_METRICS_PORT: '0',
    });
    workers.push(on);
    options.say('workload 15: waiting for both workers (the telemetry one bundles its workflows on first start)');
    await Promise.all([polling(off), polling(on)]);
    const runs: Record<Side, RunService> = {
      on: new RunService(h.client, new FlowService(h.store), queues.on),
      off: new RunService(h.client, new FlowService(h.store), queues.off),
    };
    const run = async (side: Side, spec: BenchFlow) => {
      const { runId } = await runs[side].startUnsaved(spec.spec, spec.yaml, {});
      const state = await runs[side].waitForClose(runId);
      if (state !== 'COMPLETED') throw new Error(`bench run ${runId} (telemetry ${side}) ended ${state}`);
    };
    const chain = flow(
      `id: chain\ntasks:\n${Array.from({ length: CHAIN_STEPS }, (_, i) => `  - { id: s${i}, type: http, url: "${h.url}/${i}" }`).join('\n')}\n`,
    );
    const small = flow(
      `id: small\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n  - { id: b, type: http, url: "${h.url}/b" }\n  - { id: c, type: log, message: done }\n`,
    );
    const chains = await alternate(options.chainRuns, { on: () => run('on', chain), off: () => run('off', chain) }, options.pace.settleMs);
    const smalls = await alternate(options.sequential, { on: () => run('on', small), off: () => run('off', small) }, options.pace.settleMs / 4);
    // Stopping flushes the last batch: a worker that exported nothing was not measuring telemetry.
    await on.stop();
    if (exports === 0) throw new Error(`workload 15: the telemetry worker exported nothing to the OTLP receiver: ${on.output()}`);
    const perStep = (ms: number[]) => spreadOf(ms.map((v) => v / CHAIN_STEPS));
    const chainOn = perStep(chains.on.ms);
    const chainOff = perStep(chains.off.ms);
    const smallOn = spreadOf(smalls.on.ms);
    const smallOff = spreadOf(smalls.off.ms);
    const unit = (what: string) => `${what}, raw column: telemetry off; weft/raw = on/off (target <= ${TARGET})`;
    return [
      {
        workload: `15 telemetry: sequential chain (${CHAIN_STEPS} steps), ${options.chainRuns} a side`,
        weft: chainOn.median,
        raw: chainOff.median,
        unit: unit('ms/step'),
        spread: { weft: chainOn, raw: chainOff },
      },
      {
        workload: `15 telemetry: small runs, ${options.sequential} sequential`,
        weft: smallOn.median,
        raw: smallOff.median,
        unit: unit('ms p50'),
        spread: { weft: smallOn, raw: smallOff },
      },
    ];
  } finally {
    for (const worker of workers) await worker.stop();
    receiver.closeAllConnections();
    receiver.close();
  }
}
