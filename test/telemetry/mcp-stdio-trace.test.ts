// MCP over stdio has no headers: a caller's W3C trace context in the request's `_meta`
// (`traceparent`) becomes the parent of the run a tool call starts. A real `weft mcp` process and
// a real `weft worker`, both exporting OTLP/HTTP (JSON) to a loopback receiver in this test.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectStdio, type StdioSession, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

describe('trace context of an MCP request over stdio', () => {
  let env: TestEnv;
  let worker: WorkerProcess;
  let session: StdioSession;
  const spans: OtlpSpan[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans.push(...(s.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    env = await createTestEnv({ startWorker: false });
    worker = spawnWorker({ WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir, WEFT_LOG_LEVEL: 'info', ...otel });
    await waitFor(
      'the worker to poll its queue',
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`weft worker exited: ${worker.output()}`);
        return /worker polling task queue/.test(worker.output()) || undefined;
      },
      120_000,
      200,
    );
    session = await connectStdio(env, [], {}, otel);
  });
  after(async () => {
    await session?.close();
    await worker?.kill('SIGTERM');
    receiver.close();
    await env?.close();
  });

  it('starts the run under the traceparent of the tool call’s _meta', { timeout: 90_000 }, async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const { client } = session;
    structured(
      await client.callTool({ name: 'save_flow', arguments: { flow: 'id: traced\nnamespace: stdio\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n' } }),
    );
    const started = structured<{ runId: string }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'stdio/traced' }, _meta: { traceparent: `00-${traceId}-${callerSpan}-01` } }),
    );
    const trace = await waitFor(
      'the run span in the caller’s trace',
      async () => {
        const found = spans.filter((s) => s.traceId === traceId);
        return found.some((s) => s.name === 'RunWorkflow:flowRun') && found.some((s) => s.name === 'StartWorkflow:flowRun') ? found : undefined;
      },
      30_000,
      200,
    );
    const run = trace.find((s) => s.name === 'RunWorkflow:flowRun') as OtlpSpan;
    const start = trace.find((s) => s.name === 'StartWorkflow:flowRun') as OtlpSpan;
    assert.equal(run.attributes?.find((a) => a.key === 'weft.run.id')?.value.stringValue, started.runId);
    assert.equal(start.parentSpanId, callerSpan, 'the client span of the start is a child of the caller’s span');
    assert.equal(run.parentSpanId, start.spanId, 'the run span is a child of its start');
  });
});
