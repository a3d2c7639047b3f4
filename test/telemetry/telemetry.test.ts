// Telemetry end to end: a real `weft server` process on the suite's Temporal dev server exports
// OTLP/HTTP (JSON) to a loopback receiver in this test, serves GET /metrics, and sends
// `traceparent` to the loopback server an http task calls. Callers' trace context, on the JSON
// API and on MCP over HTTP, becomes the parent of the runs they start.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { projectPath } from '../../src/services/config/paths.js';
import { structured, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { attribute, callerTrace, listen, type OtlpReceiver, type OtlpSpan, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

/** How long the target's `/slow` answers take: what a run holding a limit makes the next one wait. */
const SLOW_MS = 1500;

describe('telemetry of a weft server (OTLP traces, W3C propagation, Prometheus metrics)', () => {
  let env: TestEnv;
  let server: ChildProcess;
  let output = '';
  let base: string;
  let otlp: OtlpReceiver;
  let spans: OtlpSpan[];
  const received: { traceparent: string | undefined; authorization: string | undefined }[] = [];
  const target = createServer((req, res) => {
    received.push({ traceparent: req.headers.traceparent as string | undefined, authorization: req.headers.authorization });
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url?.startsWith('/slow')) setTimeout(answer, SLOW_MS);
    else answer();
  });

  /** A client of the JSON API whose requests carry `traceparent` when given. */
  const api = (traceparent?: string) =>
    new WeftClient({
      url: `${base}/api/v1`,
      ...(traceparent
        ? {
            fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
              fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), traceparent } }),
          }
        : {}),
    });

  before(async () => {
    otlp = await startOtlpReceiver();
    spans = otlp.spans;
    const targetUrl = await listen(target);
    env = await createTestEnv({ startWorker: false });
    server = spawn(process.execPath, [WEFT_BIN, 'server', '--mcp-port', '0'], {
      env: weftEnv(env, {
        WEFT_LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_SERVICE_NAME: 'weft-telemetry-test',
        WEFT_METRICS: 'prometheus',
        WEFT_SECRET_TARGET_TOKEN: 'telemetry-secret-value',
        WEFT_SECRET_HOOK_TOKEN: 'hook-token-value',
        // A code flow, so its run, steps and approval answer are traced too.
        WEFT_MODULES: projectPath('examples', 'code-flows', 'weft-module.ts'),
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
    const weft = new WeftClient({ url: apiUrl });
    await weft.saveFlow('telemetry/traced', flow);
    await weft.saveFlow(
      'telemetry/hooked',
      'id: hooked\nnamespace: telemetry\ntriggers:\n  - { id: push, type: webhook, token: HOOK_TOKEN }\ntasks:\n  - { id: note, type: set, values: { n: 1 } }\n',
    );
    await weft.saveFlow('telemetry/approved', 'id: approved\nnamespace: telemetry\ntasks:\n  - { id: go, type: approval, message: Go on?, approvers: any }\n');
    await weft.saveFlow(
      'telemetry/one-at-a-time',
      `id: one-at-a-time\nnamespace: telemetry\nconcurrency: { limit: 1 }\ntasks:\n  - { id: call, type: http, url: "${targetUrl}/slow" }\n`,
    );
    await weft.saveFlow(
      'telemetry/limited',
      `id: limited\nnamespace: telemetry\ntasks:\n  - { id: call, type: http, url: "${targetUrl}/slow", limits: [tele-slot] }\n`,
    );
    await weft.setLimit('tele-slot', 1);
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    otlp?.close();
    target.close();
    await env?.close();
  });

  /** Every exported span of a trace, once the run's span and its http client span have arrived. */
  const traceOf = (traceId: string) => otlp.traceOf(traceId, ['RunWorkflow:flowRun', 'HTTP GET']);

  /** The one span named `name` in `trace`. */
  const one = (trace: OtlpSpan[], name: string) => {
    const found = trace.filter((s) => s.name === name);
    assert.equal(found.length, 1, `one ${name} span in the trace (got ${trace.map((s) => s.name).join(', ')})`);
    return found[0] as OtlpSpan;
  };

  /** The topmost ancestor of `span` among `trace`. */
  const topOf = (trace: OtlpSpan[], span: OtlpSpan) => {
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    let top = span;
    while (top.parentSpanId && byId.has(top.parentSpanId)) top = byId.get(top.parentSpanId) as OtlpSpan;
    return top;
  };

  /** A run's own span (`RunWorkflow:<type>`), found by its run id. */
  const runSpan = async (runId: string, type = 'flowRun') => (await otlp.spansWith(`RunWorkflow:${type}`, 'weft.run.id', runId))[0] as OtlpSpan;

  /** The /metrics text once `pattern` matches it. */
  const metricsMatching = (what: string, pattern: RegExp) =>
    waitFor(
      what,
      async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        return pattern.test(body) ? body : undefined;
      },
      30_000,
      250,
    );

  it('joins an API caller’s trace: run > task > activity > HTTP client span, and the called server gets traceparent', { timeout: 90_000 }, async () => {
    const caller = callerTrace();
    const weft = api(caller.traceparent);
    const { runId } = await weft.startRun({ flow: 'telemetry/traced', inputs: {} });
    assert.equal((await weft.waitForRun(runId)).state, 'COMPLETED');
    const trace = await traceOf(caller.traceId);
    const run = one(trace, 'RunWorkflow:flowRun');
    assert.equal(attribute(run, 'weft.run.id'), runId);
    assert.equal(attribute(run, 'weft.flow'), 'telemetry/traced');
    assert.equal(attribute(run, 'temporalWorkflowId'), runId);
    assert.equal(attribute(run, 'memo'), undefined, 'workflow spans carry the workflow ids, not its whole info');
    const prepare = one(trace, 'task prepare');
    const call = one(trace, 'task call');
    for (const task of [prepare, call]) assert.equal(task.parentSpanId, run.spanId, `${task.name} is a child of the run span`);
    assert.equal(attribute(call, 'weft.task.type'), 'http');
    assert.equal(attribute(call, 'weft.task.state'), 'COMPLETED');
    const activity = one(trace, 'RunActivity:httpRequest');
    assert.equal(activity.parentSpanId, call.spanId, 'the activity span is a child of its task span');
    assert.equal(attribute(activity, 'temporalWorkflowId'), runId);
    const http = one(trace, 'HTTP GET');
    assert.equal(http.parentSpanId, activity.spanId, 'the HTTP client span is a child of the activity span');
    assert.equal(attribute(http, 'http.request.method'), 'GET');
    assert.equal(attribute(http, 'server.address'), '127.0.0.1');
    assert.equal(attribute(http, 'http.response.status_code'), '200');
    // The run's chain reaches the caller's request span, whose parent is the caller's own span.
    const top = topOf(trace, run);
    assert.equal(top.name, 'POST /api');
    assert.equal(top.parentSpanId, caller.spanId);
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
    await waitFor('OTLP metrics export', async () => otlp.paths.has('/v1/metrics') || undefined, 15_000, 200);
    // OTEL_EXPORTER_OTLP_PROTOCOL=http/json, as this server was started: JSON bodies only.
    assert.deepEqual([...otlp.contentTypes], ['application/json']);
  });

  it('joins a webhook caller’s trace: POST /hooks is the parent of the run it starts', { timeout: 60_000 }, async () => {
    const caller = callerTrace();
    const response = await fetch(`${base}/hooks/telemetry/hooked/push`, {
      method: 'POST',
      headers: { authorization: 'Bearer hook-token-value', 'content-type': 'application/json', traceparent: caller.traceparent },
      body: '{"n":1}',
    });
    assert.equal(response.status, 202, await response.clone().text());
    const { runId } = (await response.json()) as { runId: string };
    const trace = await otlp.traceOf(caller.traceId, ['POST /hooks', 'RunWorkflow:flowRun', 'task note']);
    const hook = one(trace, 'POST /hooks');
    assert.equal(hook.parentSpanId, caller.spanId, 'the webhook request’s span is a child of the caller’s');
    assert.equal(attribute(hook, 'http.route'), '/hooks');
    assert.equal(attribute(hook, 'http.response.status_code'), '202');
    const run = one(trace, 'RunWorkflow:flowRun');
    assert.equal(attribute(run, 'weft.run.id'), runId);
    assert.equal(topOf(trace, run).spanId, hook.spanId, 'the run’s chain reaches the webhook request');
    assert.ok(!JSON.stringify(spans).includes('hook-token-value'), 'no webhook token in any span');
    await metricsMatching('the webhook request in the metrics', /weft_http_server_duration_count\{route="hooks",method="POST",status="202"[^}]*\} 1\b/);
  });

  it('spans an approval’s answer in the answering request’s trace, and a cancellation under its run', { timeout: 60_000 }, async () => {
    const weft = api();
    const waiting = async (runId: string) =>
      waitFor(`run ${runId} to wait for its approval`, async () => ((await weft.getRun(runId)).state === 'WAITING' ? true : undefined), 20_000, 100);
    const answered = await weft.startRun({ flow: 'telemetry/approved', inputs: {} });
    await waiting(answered.runId);
    const answerer = callerTrace();
    await api(answerer.traceparent).respondToApproval(answered.runId, 'go', { approved: true, comment: 'the comment stays out' });
    assert.equal((await weft.waitForRun(answered.runId)).state, 'COMPLETED');
    const trace = await otlp.traceOf(answerer.traceId, ['HandleUpdate:respondToApproval']);
    const handler = one(trace, 'HandleUpdate:respondToApproval');
    assert.equal(attribute(handler, 'weft.task.id'), 'go');
    assert.equal(attribute(handler, 'temporalWorkflowId'), answered.runId);
    const top = topOf(trace, handler);
    assert.equal(top.name, 'POST /api', 'the handler is under the answering request');
    assert.equal(top.parentSpanId, answerer.spanId);
    assert.ok(!JSON.stringify(spans).includes('the comment stays out'), 'no approval comment in any span');

    const cancelled = await weft.startRun({ flow: 'telemetry/approved', inputs: {} });
    await waiting(cancelled.runId);
    await weft.cancelRun(cancelled.runId);
    assert.equal((await weft.waitForRun(cancelled.runId)).state, 'CANCELLED');
    const [cancel] = await otlp.spansWith('HandleCancel', 'temporalWorkflowId', cancelled.runId);
    const run = await runSpan(cancelled.runId);
    assert.equal(cancel?.parentSpanId, run.spanId, 'the cancellation is a child of the run span');
    assert.ok(BigInt(cancel?.endTimeUnixNano ?? 0) <= BigInt(run.endTimeUnixNano), 'it ends when the run does');
  });

  it('spans and measures waits for a flow’s concurrency slot and for a named limit', { timeout: 90_000 }, async () => {
    const weft = api();
    // Two runs of each flow at once: the second of each waits QUEUED while the first calls /slow.
    const started = [
      await weft.startRun({ flow: 'telemetry/one-at-a-time', inputs: {} }),
      await weft.startRun({ flow: 'telemetry/one-at-a-time', inputs: {} }),
      await weft.startRun({ flow: 'telemetry/limited', inputs: {} }),
      await weft.startRun({ flow: 'telemetry/limited', inputs: {} }),
    ];
    for (const { runId } of started) assert.equal((await weft.waitForRun(runId)).state, 'COMPLETED');
    for (const [kind, name, flow] of [
      ['concurrency', 'telemetry/one-at-a-time', 'telemetry/one-at-a-time'],
      ['limit', 'tele-slot', 'telemetry/limited'],
    ] as const) {
      const waits = await otlp.spansWith(`${kind} ${name}`, 'weft.flow', flow, 2);
      assert.equal(waits.length, 2, `one ${kind} wait per run (got ${waits.length})`);
      const queued = waits.filter((w) => attribute(w, 'weft.limit.queued') === 'true');
      assert.equal(queued.length, 1, `one of the two ${kind} waits was in line`);
      for (const wait of waits) {
        assert.equal(attribute(wait, 'weft.limit.kind'), kind);
        assert.equal(attribute(wait, 'weft.limit.name'), name);
        assert.equal(attribute(wait, 'weft.limit.outcome'), 'granted');
        const run = await runSpan(attribute(wait, 'weft.run.id') as string);
        assert.equal(wait.parentSpanId, run.spanId, `the ${kind} wait is a child of its run span`);
      }
      const [line] = queued as [OtlpSpan];
      const waitedMs = Number((BigInt(line.endTimeUnixNano) - BigInt(line.startTimeUnixNano)) / 1_000_000n);
      assert.ok(waitedMs >= SLOW_MS / 2, `the queued ${kind} wait lasted about the first run’s call (${waitedMs} ms)`);
      if (kind === 'limit') {
        assert.equal(attribute(line, 'weft.task.id'), 'call');
        const [task] = await otlp.spansWith('task call', 'weft.run.id', attribute(line, 'weft.run.id') as string);
        assert.ok(BigInt(task?.startTimeUnixNano ?? 0) >= BigInt(line.endTimeUnixNano), 'the task run starts once it holds its slot');
      }
    }
    const text = await metricsMatching(
      'both limits’ waits in the metrics',
      /^(?=[\s\S]*weft_limit_wait_count\{kind="limit",limit="tele-slot"[^}]*\} 2\b)(?=[\s\S]*weft_limit_wait_count\{kind="concurrency"[^}]*\} 2\b)/,
    );
    for (const [kind, name] of [
      ['concurrency', 'telemetry/one-at-a-time'],
      ['limit', 'tele-slot'],
    ]) {
      const labels = `kind="${kind}",limit="${name}",outcome="granted"`;
      assert.match(text, new RegExp(`weft_limit_wait_count\\{${labels}[^}]*\\} 2\\b`));
      const sum = Number(new RegExp(`weft_limit_wait_sum\\{${labels}[^}]*\\} (\\S+)`).exec(text)?.[1]);
      assert.ok(sum >= SLOW_MS / 2000, `${kind} waits add up to about the first run’s call (${sum} s)`);
    }
  });

  it('traces a code flow: its run, steps and approval answer, and counts its end by flow', { timeout: 60_000 }, async () => {
    const caller = callerTrace();
    const weft = api(caller.traceparent);
    const { runId } = await weft.startRun({ flow: 'examples/order-report', inputs: { day: '2026-11-23' } });
    await waitFor('the code flow to wait for its approval', async () => ((await weft.getRun(runId)).state === 'WAITING' ? true : undefined), 30_000, 100);
    await weft.respondToApproval(runId, 'publish', { approved: true });
    assert.equal((await weft.waitForRun(runId)).state, 'COMPLETED');
    const trace = await otlp.traceOf(caller.traceId, ['RunWorkflow:orderReport', 'task fetch', 'task total', 'task publish', 'HandleUpdate:respondToApproval']);
    const run = one(trace, 'RunWorkflow:orderReport');
    assert.equal(attribute(run, 'weft.flow'), 'examples/order-report');
    assert.equal(attribute(run, 'weft.run.id'), runId);
    const fetchStep = one(trace, 'task fetch');
    assert.equal(fetchStep.parentSpanId, run.spanId, 'a step is a child of the run span');
    assert.equal(attribute(fetchStep, 'weft.task.type'), 'step');
    assert.equal(attribute(fetchStep, 'weft.task.state'), 'COMPLETED');
    const activity = one(trace, 'RunActivity:fetchOrders');
    assert.equal(activity.parentSpanId, fetchStep.spanId, 'the step’s activity is a child of its span');
    assert.equal(attribute(one(trace, 'task publish'), 'weft.task.type'), 'approval');
    assert.equal(topOf(trace, run).name, 'POST /api');
    await metricsMatching('the code flow’s end in the metrics', /weft_runs_completed_total\{flow="examples\/order-report"[^}]*\} 1\b/);
  });
});
