// What the JSON API costs: the same run started by a direct service call (in process, what the
// route's tool itself calls) and by `POST /api/v1/runs` over HTTP on loopback, taking turns call
// by call; the same for reading a run. The API server runs in this process (the route, the tool
// and the service are the ones `weft server` serves), so the figure is HTTP and the API layer.
//
// Workload 16 of `npm run bench`; alone: node dist/bench/api-workload.js [calls]   (default 200;
// a p99 needs at least 100)

import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { WEFT_TOOLS } from '../mcp/build-server.js';
import { serveMcpHttp } from '../mcp/serve-http.js';
import { apiRoute } from '../src/adapters/http/api/api-handler.js';
import { FlowService } from '../src/services/flow-service.js';
import { LogService } from '../src/services/log-service.js';
import { RunService } from '../src/services/run-service.js';
import { ApiKeyService } from '../src/services/security/api-keys.js';
import { freePort } from '../src/services/temporal/loopback-ports.js';
import { type Harness, startHarness } from './harness.js';
import { interleavedTimings } from './mcp-workload.js';
import { type Measure, median, spreadOf } from './measure.js';

const FLOW = 'id: tiny\nnamespace: bench\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n';

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`bench API call failed: ${response.status} ${await response.text()}`);
  return response.json();
}

async function get(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`bench API call failed: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function apiOverhead(h: Harness, calls: number): Promise<Measure[]> {
  const flows = new FlowService(h.store);
  await flows.save(FLOW);
  // As in the MCP workload: the starts go to a task queue no worker polls, so runs executing
  // meanwhile in this process do not delay whichever call comes back after them.
  const starts = new RunService(h.client, flows, `unpolled-${randomUUID()}`);
  const services = { flows, runs: starts, logs: new LogService(h.store) };
  const server = await serveMcpHttp({
    host: '127.0.0.1',
    port: 0,
    keys: new ApiKeyService(h.store),
    services,
    prompts: [],
    routes: [apiRoute({ services, tools: WEFT_TOOLS })],
  });
  const api = `${new URL(server.url).origin}/api/v1`;
  try {
    const [direct = [], overApi = []] = await interleavedTimings(calls, [
      () => starts.start({ flow: 'bench/tiny' }),
      () => post(`${api}/runs`, { flow: 'bench/tiny' }),
    ]);
    // A run read is of an ended run, which the harness's worker executes.
    const { runId } = await h.runs.start({ flow: 'bench/tiny' });
    while ((await h.runs.get(runId)).state !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 50));
    const [directGet = [], apiGet = []] = await interleavedTimings(calls, [() => starts.get(runId), () => get(`${api}/runs/${encodeURIComponent(runId)}`)]);
    const row = (workload: string, weft: number[], raw: number[]): Measure => ({
      workload,
      weft: median(weft),
      raw: median(raw),
      unit: 'ms p50 (weft - raw: the ms the API adds)',
      spread: { weft: spreadOf(weft), raw: spreadOf(raw) },
    });
    // The floor: a request the API answers from memory (loopback HTTP, fetch, routing, JSON).
    const [floor = [], nothing = []] = await interleavedTimings(calls, [() => get(`${api}/openapi.json`), async () => undefined]);
    return [
      row('16 API POST /runs vs direct start', overApi, direct),
      row('16 API GET /runs/{runId} vs direct get', apiGet, directGet),
      row('16 API GET /openapi.json (HTTP and routing only) vs nothing', floor, nothing),
    ];
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 200);
  const harness = await startHarness(true, await freePort());
  try {
    for (const m of await apiOverhead(harness, calls)) {
      const p99 = (s: { p99: number | null } | undefined) => (s?.p99 == null ? 'n/a' : s.p99.toFixed(2));
      process.stdout.write(
        `${m.workload}: API p50 ${m.weft.toFixed(2)} ms (p99 ${p99(m.spread?.weft)}), direct p50 ${m.raw.toFixed(2)} ms (p99 ${p99(m.spread?.raw)}), added p50 ${(m.weft - m.raw).toFixed(2)} ms\n`,
      );
    }
  } finally {
    await harness.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
