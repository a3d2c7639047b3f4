// Telemetry end to end: a real `weft server` process on the suite's Temporal dev server exports
// OTLP/HTTP (JSON) to a loopback receiver in this test, serves GET /metrics, and sends
// `traceparent` to the loopback server an http task calls. Callers' trace context, on the JSON
// API and on MCP over HTTP, becomes the parent of the runs they start.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { structured, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

interface OtlpTraces {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** A caller's W3C trace context: a fresh trace id and a parent span id. */
function callerTrace(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

function attribute(span: OtlpSpan, key: string): string | undefined {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('telemetry of a weft server (OTLP traces, W3C propagation, Prometheus metrics)', () => {
  let env: TestEnv;
  let server: ChildProcess;
  let output = '';
  let base: string;
  const spans: OtlpSpan[] = [];
  const otlpPaths = new Set<string>();
  const received: { traceparent: string | undefined; authorization: string | undefined }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      otlpPaths.add(req.url ?? '');
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans.push(...(s.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const target = createServer((req, res) => {
    received.push({ traceparent: req.headers.traceparent as string | undefined, authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });

  before(async () => {
    const otlp = await listen(receiver);
    const targetUrl = await listen(target);
    env = await createTestEnv({ startWorker: false });
    server = spawn(process.execPath, [WEFT_BIN, 'server', '--mcp-port', '0'], {
      env: weftEnv(env, {
        WEFT_LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'weft-telemetry-test',
        WEFT_METRICS: 'prometheus',
        WEFT_SECRET_TARGET_TOKEN: 'telemetry-secret-value',
      }),
    });
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    const apiUrl = await waitFor(
      'weft server to be up',
      async () => {
        if (server.exitCode !== null) throw new Error(`weft server exited: ${output}`);
        return /weft server up.*, API (http:\/\/\S+\/api\/v1)/.exec(output)?.[1];
      },
      120_000,
      200,
    );
    base = new URL(apiUrl).origin;
    const flow = [
      'id: traced',
      'namespace: telemetry',
      'tasks:',
      '  - { id: prepare, type: set, values: { n: 1 } }',
      `  - { id: call, type: http, method: GET, url: "${targetUrl}/hello?token=in-the-query", headers: { authorization: "Bearer {{ secret('TARGET_TOKEN') }}" } }`,
      '',
    ].join('\n');
    await new WeftClient({ url: apiUrl }).saveFlow('telemetry/traced', flow);
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    receiver.close();
    target.close();
    await env?.close();
  });

  /** Every exported span of a trace, once the run's span and its http client span have arrived. */
  function traceOf(traceId: string): Promise<OtlpSpan[]> {
    return waitFor(
      `spans of trace ${traceId} at the OTLP receiver`,
      async () => {
        const trace = spans.filter((s) => s.traceId === traceId);
        return trace.some((s) => s.name === 'RunWorkflow:flowRun') && trace.some((s) => s.name === 'HTTP GET') ? trace : undefined;
      },
      30_000,
      200,
    );
  }

  it('joins an API caller’s trace: run > task > activity > HTTP client span, and the called server gets traceparent', { timeout: 90_000 }, async () => {
    const caller = callerTrace();
    const weft = new WeftClient({
      url: `${base}/api/v1`,
      fetch: (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), traceparent: caller.traceparent } }),
    });
    const { runId } = await weft.startRun({ flow: 'telemetry/traced', inputs: {} });
    assert.equal((await weft.waitForRun(runId)).state, 'COMPLETED');
    const trace = await traceOf(caller.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      assert.equal(found.length, 1, `one ${name} span in the trace (got ${trace.map((s) => s.name).join(', ')})`);
      return found[0] as OtlpSpan;
    };
    const run = one('RunWorkflow:flowRun');
    assert.equal(attribute(run, 'weft.run.id'), runId);
    assert.equal(attribute(run, 'weft.flow'), 'telemetry/traced');
    assert.equal(attribute(run, 'temporalWorkflowId'), runId);
    assert.equal(attribute(run, 'memo'), undefined, 'workflow spans carry the workflow ids, not its whole info');
    const prepare = one('task prepare');
    const call = one('task call');
    for (const task of [prepare, call]) assert.equal(task.parentSpanId, run.spanId, `${task.name} is a child of the run span`);
    assert.equal(attribute(call, 'weft.task.type'), 'http');
    assert.equal(attribute(call, 'weft.task.state'), 'COMPLETED');
    const activity = one('RunActivity:httpRequest');
    assert.equal(activity.parentSpanId, call.spanId, 'the activity span is a child of its task span');
    assert.equal(attribute(activity, 'temporalWorkflowId'), runId);
    const http = one('HTTP GET');
    assert.equal(http.parentSpanId, activity.spanId, 'the HTTP client span is a child of the activity span');
    assert.equal(attribute(http, 'http.request.method'), 'GET');
    assert.equal(attribute(http, 'server.address'), '127.0.0.1');
    assert.equal(attribute(http, 'http.response.status_code'), '200');
    // The run's chain reaches the caller's request span, whose parent is the caller's own span.
    let top: OtlpSpan = run;
    while (top.parentSpanId && byId.has(top.parentSpanId)) top = byId.get(top.parentSpanId) as OtlpSpan;
    assert.equal(top.name, 'POST /api');
    assert.equal(top.parentSpanId, caller.traceparent.split('-')[2]);
    // The called server saw the run's trace, with the HTTP client span as its parent.
    const sent = received.find((r) => r.traceparent?.split('-')[1] === caller.traceId);
    assert.ok(sent, `the target got a traceparent of trace ${caller.traceId} (got ${JSON.stringify(received)})`);
    assert.equal(sent.traceparent?.split('-')[2], http.spanId);
    assert.equal(sent.authorization, 'Bearer telemetry-secret-value', 'the flow’s own headers still go out');
    // Nothing the flow sent (its secret header, its query) is in any exported span.
    const exported = JSON.stringify(spans);
    assert.ok(!exported.includes('telemetry-secret-value'), 'no secret in any span');
    assert.ok(!exported.includes('in-the-query'), 'no URL query in any span');
  });

  it('joins an MCP-over-HTTP caller’s trace when the request carries traceparent', { timeout: 90_000 }, async () => {
    const caller = callerTrace();
    const client = new Client({ name: 'telemetry-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { traceparent: caller.traceparent } } }));
    try {
      const started = structured<{ runId: string }>(await client.callTool({ name: 'run_flow', arguments: { flow: 'telemetry/traced' } }));
      const trace = await traceOf(caller.traceId);
      const run = trace.find((s) => s.name === 'RunWorkflow:flowRun');
      assert.equal(run && attribute(run, 'weft.run.id'), started.runId, 'the run started over MCP is in the caller’s trace');
      assert.ok(
        trace.some((s) => s.name === 'POST /mcp'),
        'the MCP request has a server span in the trace',
      );
    } finally {
      await client.close();
    }
  });

  it('serves the run, task, request and queue metrics at GET /metrics, and exports them over OTLP', { timeout: 60_000 }, async () => {
    const text = await waitFor(
      'the second run in the metrics',
      async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        return /weft_runs_completed_total\{flow="telemetry\/traced"[^}]*\} 2\b/.test(body) ? body : undefined;
      },
      30_000,
      250,
    );
    assert.match(text, /weft_runs_started_total\{flow="telemetry\/traced",trigger="api"[^}]*\} 1\b/);
    assert.match(text, /weft_runs_started_total\{flow="telemetry\/traced",trigger="mcp"[^}]*\} 1\b/);
    assert.doesNotMatch(text, /weft_runs_failed_total\{flow="telemetry\/traced"/);
    assert.match(text, /weft_task_duration_count\{task_type="http",state="COMPLETED"[^}]*\} 2\b/);
    assert.match(text, /weft_task_duration_count\{task_type="set",state="COMPLETED"[^}]*\} 2\b/);
    assert.match(text, /weft_activity_queue_wait_count\{activity_type="httpRequest"[^}]*\} 2\b/);
    assert.match(text, /weft_http_server_duration_count\{route="api",method="POST",status="200"[^}]*\} [1-9]/);
    assert.match(text, /weft_http_server_duration_count\{route="mcp",method="POST",status="200"[^}]*\} [1-9]/);
    await waitFor('OTLP metrics export', async () => otlpPaths.has('/v1/metrics') || undefined, 15_000, 200);
  });
});
