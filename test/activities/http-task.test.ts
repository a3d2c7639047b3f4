import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('http task against a real loopback server', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let flakyCalls = 0;
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
});
