// MCP over stdio has no headers: a caller's W3C trace context in the request's `_meta`
// (`traceparent`) becomes the parent of the run a tool call starts. A real `weft mcp` process and
// a real `weft worker`, both exporting OTLP/HTTP to a loopback receiver in this test, in the
// default encoding (protobuf; the other telemetry tests ask for JSON).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectStdio, type StdioSession, structured } from '../helpers/mcp-clients.js';
import { attribute, type OtlpReceiver, type OtlpSpan, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

describe('trace context of an MCP request over stdio', () => {
  let env: TestEnv;
  let worker: WorkerProcess;
  let session: StdioSession;
  let otlp: OtlpReceiver;

  before(async () => {
    otlp = await startOtlpReceiver();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
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
    otlp?.close();
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
        const found = otlp.spans.filter((s) => s.traceId === traceId);
        return found.some((s) => s.name === 'RunWorkflow:flowRun') && found.some((s) => s.name === 'StartWorkflow:flowRun') ? found : undefined;
      },
      30_000,
      200,
    );
    const run = trace.find((s) => s.name === 'RunWorkflow:flowRun') as OtlpSpan;
    const start = trace.find((s) => s.name === 'StartWorkflow:flowRun') as OtlpSpan;
    assert.equal(attribute(run, 'weft.run.id'), started.runId);
    assert.equal(start.parentSpanId, callerSpan, 'the client span of the start is a child of the caller’s span');
    assert.equal(run.parentSpanId, start.spanId, 'the run span is a child of its start');
    assert.deepEqual([...otlp.contentTypes], ['application/x-protobuf'], 'OTLP/HTTP with protobuf bodies, the default');
  });
});
