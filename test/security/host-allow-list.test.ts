import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { performHttpRequest } from '../../activities/http-request.js';
import { ConfigError } from '../../src/core/errors.js';
import type { HttpOutput, HttpRequestInput } from '../../src/core/runs/activity-io.js';
import { Redactor } from '../../src/services/secrets/redactor.js';
import { HostAllowList, hostAllowListFromEnv } from '../../src/services/security/host-allow-list.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';

const allows = (list: string, url: string) => HostAllowList.parse(list).allows(new URL(url));

describe('host allow-list rules', () => {
  it('matches exact host names, case and trailing dot aside, on any port unless one is given', () => {
    assert.ok(allows('api.example.org', 'https://API.example.org./v1'));
    assert.ok(allows('api.example.org', 'http://api.example.org:8080/'));
    assert.ok(!allows('api.example.org', 'https://example.org/'));
    assert.ok(!allows('api.example.org', 'https://api.example.org.evil.com/'));
    assert.ok(allows('localhost:8080', 'http://localhost:8080/'));
    assert.ok(!allows('localhost:8080', 'http://localhost:8081/'));
    assert.ok(allows('example.org:443', 'https://example.org/'), 'a URL without a port uses its scheme default');
    assert.ok(!allows('example.org:443', 'http://example.org/'));
    assert.ok(allows('[::1]:9000, 127.0.0.1', 'http://[::1]:9000/'));
    assert.ok(allows('[::1]:9000, 127.0.0.1', 'http://127.0.0.1:1234/'));
  });

  it('lets *.domain match subdomains at any depth but not the domain itself', () => {
    assert.ok(allows('*.example.org', 'https://a.example.org/'));
    assert.ok(allows('*.example.org', 'https://a.b.example.org/'));
    assert.ok(!allows('*.example.org', 'https://example.org/'));
    assert.ok(!allows('*.example.org', 'https://badexample.org/'));
    assert.ok(allows('*.example.org:8443', 'https://x.example.org:8443/'));
    assert.ok(!allows('*.example.org:8443', 'https://x.example.org/'));
  });

  it('refuses entries that are not hosts, naming the setting and the entry', () => {
    for (const bad of ['http://example.org', 'example.org/path', 'user@example.org', 'ex*ample.org', 'example.org:99999', '*', ' , '])
      assert.throws(
        () => HostAllowList.parse(bad),
        (e: unknown) => e instanceof ConfigError && /WEFT_HTTP_ALLOWED_HOSTS/.test(e.message),
        bad,
      );
  });

  it('is absent (the default policy applies) when WEFT_HTTP_ALLOWED_HOSTS is unset or blank', () => {
    assert.equal(hostAllowListFromEnv({}), undefined);
    assert.equal(hostAllowListFromEnv({ WEFT_HTTP_ALLOWED_HOSTS: '  ' }), undefined);
    assert.ok(hostAllowListFromEnv({ WEFT_HTTP_ALLOWED_HOSTS: 'a.example' })?.allows(new URL('http://a.example/')));
  });
});

describe('http activity under WEFT_HTTP_ALLOWED_HOSTS, against a real loopback server', () => {
  let http: TestHttpServer;
  let other: TestHttpServer;
  const saved = process.env.WEFT_HTTP_ALLOWED_HOSTS;
  before(async () => {
    http = await startHttpServer();
    other = await startHttpServer();
    http.route('/hello', (_req, res) => json(res, 200, { hello: 'world' }));
    http.route('/bounce', (_req, res) => {
      res.writeHead(302, { location: `${other.url.replace('127.0.0.1', 'localhost')}/landed` });
      res.end();
    });
    http.route('/local-hop', (_req, res) => {
      res.writeHead(303, { location: '/hello' });
      res.end();
    });
    other.route('/landed', (_req, res) => json(res, 200, { landed: true }));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WEFT_HTTP_ALLOWED_HOSTS;
    else process.env.WEFT_HTTP_ALLOWED_HOSTS = saved;
  });
  after(async () => {
    await http.close();
    await other.close();
  });

  const call = (url: string, method = 'GET') => {
    const input: HttpRequestInput = {
      context: { runId: 'allow-list-1', taskId: 'call', attempt: 1 },
      url,
      method,
      headers: {},
      query: {},
      responseType: 'auto',
      timeoutMs: 5000,
    };
    // The activity's request, with the allow-list it reads from the environment by default.
    return new MockActivityEnvironment().run((i: HttpRequestInput) => performHttpRequest(i, new Redactor([])), input) as Promise<HttpOutput>;
  };
  const refused = (host: string) => (error: unknown) =>
    error instanceof ApplicationFailure &&
    error.type === 'HttpHostNotAllowed' &&
    error.nonRetryable &&
    error.message.includes(`host ${host} is not allowed`) &&
    error.message.includes('WEFT_HTTP_ALLOWED_HOSTS');

  it('calls a host on the list', async () => {
    process.env.WEFT_HTTP_ALLOWED_HOSTS = 'api.example.org, 127.0.0.1';
    const output = await call(`${http.url}/hello`);
    assert.equal(output.status, 200);
    assert.deepEqual(output.body, { hello: 'world' });
  });

  it('fails a request to a host off the list with HttpHostNotAllowed, without sending it', async () => {
    process.env.WEFT_HTTP_ALLOWED_HOSTS = 'api.example.org,*.example.org';
    const before = http.requests.length;
    const host = new URL(http.url).host;
    await assert.rejects(call(`${http.url}/hello`, 'POST'), refused(host));
    assert.equal(http.requests.length, before);
  });

  it('matches wildcards against the request host', async () => {
    process.env.WEFT_HTTP_ALLOWED_HOSTS = '*.localhost';
    await assert.rejects(call(`${http.url.replace('127.0.0.1', 'localhost')}/hello`), refused(new URL(http.url.replace('127.0.0.1', 'localhost')).host));
    process.env.WEFT_HTTP_ALLOWED_HOSTS = `127.0.0.1:${new URL(http.url).port}`;
    assert.equal((await call(`${http.url}/hello`)).status, 200);
  });

  it('checks every redirect hop: a hop off the list fails, one on it is followed', async () => {
    process.env.WEFT_HTTP_ALLOWED_HOSTS = '127.0.0.1';
    const landedBefore = other.requests.length;
    await assert.rejects(call(`${http.url}/bounce`), refused(new URL(other.url.replace('127.0.0.1', 'localhost')).host));
    assert.equal(other.requests.length, landedBefore, 'the refused hop is never requested');
    assert.deepEqual((await call(`${http.url}/local-hop`, 'POST')).body, { hello: 'world' });
    assert.equal(http.requests.at(-1)?.method, 'GET', '303 turns the POST into a GET');
    process.env.WEFT_HTTP_ALLOWED_HOSTS = '127.0.0.1,localhost';
    assert.deepEqual((await call(`${http.url}/bounce`)).body, { landed: true });
  });

  it('keeps to public addresses when no list is set: a loopback server is refused, unrequested', async () => {
    delete process.env.WEFT_HTTP_ALLOWED_HOSTS;
    const before = http.requests.length;
    await assert.rejects(
      call(`${http.url}/bounce`),
      (e: unknown) => refused(new URL(http.url).host)(e) && /127\.0\.0\.1 is a loopback address/.test((e as Error).message),
    );
    assert.equal(http.requests.length, before);
  });
});
