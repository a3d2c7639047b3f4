// Workload 9: webhook request to run started. Signed POSTs to a `weft server` (its own embedded
// Temporal, fresh data directory), one at a time, timed from sending the request to the 202
// answer that says the run exists; p50 and p95 against the targets (p50 <= 25 ms, p95 <= 60 ms),
// which stand in the raw column.

import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FlowService } from '../src/services/flow-service.js';
import { openStore } from '../src/services/store/database.js';
import { freePorts } from './free-port.js';
import { type Measure, percentile, spreadOf } from './measure.js';
import { spawnWeft } from './weft-process.js';

const SECRET = `bench-${randomUUID()}`;
const FLOW = `id: hook
namespace: bench
inputs:
  - { id: n, type: integer }
tasks:
  - { id: say, type: log, message: "delivery {{ inputs.n }}" }
triggers:
  - { id: in, type: webhook, secret: BENCH_HOOK, inputs: { n: "{{ trigger.body.n }}" } }
`;
const WARMUP = 5;
const TARGET = { p50: 25, p95: 60 } as const;

export async function webhookLatency(requests: number): Promise<Measure[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-bench-hook-'));
  const store = await openStore({ dataDir });
  await new FlowService(store).save(FLOW);
  await store.close();
  const [temporalPort, uiPort, mcpPort] = await freePorts(3);
  const server = await spawnWeft(['server', '--port', String(temporalPort), '--ui-port', String(uiPort), '--mcp-port', String(mcpPort)], {
    WEFT_DATA_DIR: dataDir,
    WEFT_SECRET_BENCH_HOOK: SECRET,
    WEFT_LOG_LEVEL: 'warn',
  });
  try {
    const deadline = Date.now() + 120_000;
    while (!server.output().includes('weft server up')) {
      if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`weft server did not start: ${server.output()}`);
      await delay(50);
    }
    const url = `http://127.0.0.1:${mcpPort}/hooks/bench/hook/in`;
    const times: number[] = [];
    for (let i = 0; i < WARMUP + requests; i++) {
      const body = JSON.stringify({ n: i, nonce: randomUUID() });
      const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-weft-signature': signature }, body });
      const answer = (await res.json()) as { started?: boolean };
      const ms = performance.now() - started;
      if (res.status !== 202 || answer.started !== true) throw new Error(`request ${i} answered ${res.status} ${JSON.stringify(answer)}`);
      if (i >= WARMUP) times.push(ms);
    }
    const spread = spreadOf(times);
    const workload = `9 webhook request to run started (${requests} sequential)`;
    return [
      { workload, weft: spread.median, raw: TARGET.p50, unit: 'ms p50 (raw column: target)', spread: { weft: spread } },
      { workload, weft: percentile(times, 95), raw: TARGET.p95, unit: 'ms p95 (raw column: target)' },
    ];
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
