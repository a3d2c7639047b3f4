import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MAX_RESPONSE_BYTES } from '../../activities/http-request.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf, temporalAddress } from '../helpers/temporal-env.js';

describe('http task against a real loopback server', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let flakyCalls = 0;
  let endlessSent = 0;
  before(async () => {
    env = await createTestEnv();
    http = await startHttpServer();
    http.route('/echo', (req, res) =>
      json(res, 200, { method: req.method, url: req.url, auth: req.headers['x-token'] ?? null, body: req.body ? JSON.parse(req.body) : null }),
    );
    http.route('/text', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('plain words');
    });
    http.route('/missing', (_req, res) => json(res, 404, { error: 'nope' }));
    http.route('/flaky', (_req, res) => {
      flakyCalls += 1;
      if (flakyCalls < 3) json(res, 503, { error: 'busy' });
      else json(res, 200, { calls: flakyCalls });
    });
    http.route('/created', (_req, res) => json(res, 201, { id: 7 }));
    // Chunked, no content-length: 150 MB in 1 MiB chunks, as fast as the client takes them.
    http.route('/endless', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      let closed = false;
      res.on('close', () => (closed = true));
      while (!closed && endlessSent < 150 * 1024 * 1024) {
        endlessSent += chunk.length;
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      res.end();
    });
    // 64 MiB of zeros in about 64 KB of gzip.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    http.route('/bomb', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    });
    http.route('/gzipped', (_req, res) => {
      const body = gzipSync(JSON.stringify({ packed: true }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(body);
    });
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('sends method, query, headers and a JSON body, and parses a JSON answer', async () => {
    const view = await runFlow(
      env,
      `
id: http-echo
tasks:
  - id: call
    type: http
    method: POST
    url: "${http.url}/echo"
    query: { q: "{{ 1 + 1 }}", name: weft }
    headers: { x-token: "abc{{ 2 * 3 }}" }
    json: { n: "{{ 40 + 2 }}", list: [1, "{{ 'two' }}"] }
  - id: text
    type: http
    url: "${http.url}/text"
outputs:
  status: "{{ outputs.call.status }}"
  body: "{{ outputs.call.body }}"
  text: "{{ outputs.text.body }}"
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, {
      status: 200,
      body: { method: 'POST', url: '/echo?q=2&name=weft', auth: 'abc6', body: { n: 42, list: [1, 'two'] } },
      text: 'plain words',
    });
  });

  it('fails a 4xx as HttpClientError and does not retry it when nonRetryable names it', async () => {
    const before = http.requests.filter((r) => r.url === '/missing').length;
    const view = await runFlow(
      env,
      `
id: http-missing
tasks:
  - id: get
    type: http
    url: "${http.url}/missing"
    retry: { maxAttempts: 3, initialInterval: 100ms, nonRetryable: [HttpClientError] }
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'HttpClientError');
    assert.match(view.error?.message ?? '', /404/);
    assert.equal(taskOf(view, 'get').attempts, 1);
    assert.equal(http.requests.filter((r) => r.url === '/missing').length - before, 1);
  });

  it('retries a 5xx until it succeeds and counts the attempts', async () => {
    const view = await runFlow(
      env,
      `
id: http-flaky
tasks:
  - id: get
    type: http
    url: "${http.url}/flaky"
    retry: { maxAttempts: 5, initialInterval: 100ms, backoffCoefficient: 1 }
outputs: { calls: "{{ outputs.get.body.calls }}" }
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { calls: 3 });
    assert.equal(taskOf(view, 'get').attempts, 3);
  });

  it('honours expectStatus and reports a network error as HttpNetworkError', async () => {
    const view = await runFlow(
      env,
      `
id: http-status
tasks:
  - { id: ok, type: http, url: "${http.url}/created", expectStatus: 201 }
  - { id: strict, type: http, url: "${http.url}/created", expectStatus: 200, allowFailure: true }
  - { id: down, type: http, url: "http://127.0.0.1:1/", timeout: 5s, allowFailure: true }
`,
    );
    assertCompleted(view);
    assert.equal(taskOf(view, 'ok').state, 'COMPLETED');
    assert.equal(taskOf(view, 'strict').error?.type, 'HttpServerError');
    assert.equal(taskOf(view, 'down').error?.type, 'HttpNetworkError');
  });

  it('stops reading a chunked body at the limit and fails HttpResponseTooLarge promptly; an inflating body too', async () => {
    const started = Date.now();
    const view = await runFlow(
      env,
      `
id: http-endless
tasks:
  - { id: endless, type: http, url: "${http.url}/endless", timeout: 60s, allowFailure: true }
  - { id: bomb, type: http, url: "${http.url}/bomb", allowFailure: true }
  - { id: gzipped, type: http, url: "${http.url}/gzipped" }
outputs: { packed: "{{ outputs.gzipped.body.packed }}" }
`,
    );
    assertCompleted(view);
    assert.equal(taskOf(view, 'endless').error?.type, 'HttpResponseTooLarge');
    assert.match(taskOf(view, 'endless').error?.message ?? '', /more than 10485760 bytes; reading stopped at the limit/);
    assert.ok(Date.now() - started < 20_000, `failed after ${Date.now() - started} ms`);
    // Reading stopped at the limit: the server could push little more than the limit and its socket buffers.
    assert.ok(endlessSent < 3 * MAX_RESPONSE_BYTES, `the server sent ${endlessSent} bytes before the client hung up`);
    assert.equal(taskOf(view, 'bomb').error?.type, 'HttpResponseTooLarge');
    assert.deepEqual(view.outputs, { packed: true }, 'gzip bodies are still decoded');
  });
});

describe('http tasks under the default egress policy (WEFT_HTTP_ALLOWED_HOSTS unset), on a real worker', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  const saved = process.env.WEFT_HTTP_ALLOWED_HOSTS;
  before(async () => {
    // The worker reads its policy when it is built: this one has the default.
    delete process.env.WEFT_HTTP_ALLOWED_HOSTS;
    try {
      env = await createTestEnv();
    } finally {
      if (saved !== undefined) process.env.WEFT_HTTP_ALLOWED_HOSTS = saved;
    }
    http = await startHttpServer();
    http.route('/', (_req, res) => json(res, 200, { reached: true }));
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('fails a run that calls a loopback server or the Temporal server, saying how an operator allows the host, and runs the next run', async () => {
    const port = new URL(http.url).port;
    const view = await runFlow(
      env,
      `
id: http-refused
tasks:
  - { id: temporal, type: http, url: "http://${temporalAddress()}/api/v1/namespaces", allowFailure: true }
  - { id: local, type: http, url: "http://localhost:${port}/" }
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(taskOf(view, 'temporal').error?.type, 'HttpHostNotAllowed');
    assert.equal(taskOf(view, 'local').attempts, 1, 'a refusal is not retried');
    assert.equal(view.error?.type, 'HttpHostNotAllowed');
    assert.match(view.error?.message ?? '', /localhost resolves to .*, a loopback address/);
    assert.match(view.error?.message ?? '', new RegExp(`an operator allows it by setting WEFT_HTTP_ALLOWED_HOSTS=localhost:${port} for the worker`));
    assert.equal(http.requests.length, 0, 'nothing reached the server');
    const next = await runFlow(env, 'id: after-refusal\ntasks:\n  - { id: s, type: set, values: { ok: true } }\noutputs: { ok: "{{ outputs.s.ok }}" }\n');
    assertCompleted(next);
    assert.deepEqual(next.outputs, { ok: true });
  });
});

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
