// The egress policy of http tasks against real loopback servers: the default keeps to public
// addresses in every spelling, redirects and names are judged by the address they lead to, the
// connection goes to the address that was checked, and Weft's and Temporal's ports stay closed.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { performHttpRequest } from '../../activities/http-request.js';
import type { HttpOutput, HttpRequestInput } from '../../src/core/runs/activity-io.js';
import { Redactor } from '../../src/services/secrets/redactor.js';
import { addressRefusal } from '../../src/services/security/egress-address.js';
import { EgressPolicy, type ResolveHost, temporalEndpoints } from '../../src/services/security/egress-policy.js';
import { HostAllowList } from '../../src/services/security/host-allow-list.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { temporalAddress } from '../helpers/temporal-env.js';

const call = (url: string, policy: EgressPolicy, secrets: string[] = []) => {
  const input: HttpRequestInput = {
    context: { runId: 'egress-1', taskId: 'call', attempt: 1 },
    url,
    method: 'GET',
    headers: {},
    query: {},
    responseType: 'auto',
    timeoutMs: 5000,
  };
  return new MockActivityEnvironment().run((i: HttpRequestInput) => performHttpRequest(i, new Redactor(secrets), policy), input) as Promise<HttpOutput>;
};

/** A refusal: HttpHostNotAllowed, not retryable, its message matching every pattern given. */
const refusal =
  (...patterns: RegExp[]) =>
  (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, String(error));
    assert.equal(error.type, 'HttpHostNotAllowed', error.message);
    assert.equal(error.nonRetryable, true);
    for (const p of patterns) assert.match(error.message, p);
    return true;
  };

describe('address classes of the default policy', () => {
  it('refuses loopback, private, link-local, metadata, shared, multicast and reserved addresses in IPv4 and IPv6', () => {
    const refused: Record<string, RegExp> = {
      '127.0.0.1': /loopback/,
      '127.255.0.9': /loopback/,
      '::1': /loopback/,
      '0.0.0.0': /unspecified/,
      '::': /unspecified/,
      '10.1.2.3': /private/,
      '172.16.0.1': /private/,
      '172.31.255.255': /private/,
      '192.168.1.1': /private/,
      '100.64.0.1': /carrier-grade NAT/,
      '169.254.169.254': /link-local.*metadata/,
      'fe80::1': /link-local/,
      'fd00:ec2::254': /private/,
      'fc00::1': /private/,
      '224.0.0.1': /multicast/,
      'ff02::1': /multicast/,
      '255.255.255.255': /broadcast/,
      '240.0.0.1': /reserved/,
      '::ffff:127.0.0.1': /loopback/,
      '::ffff:7f00:1': /loopback/,
      '::ffff:a9fe:a9fe': /link-local/,
      '::127.0.0.1': /loopback/,
      '64:ff9b::a00:1': /private/,
      '2002:7f00:1::': /loopback/,
      '2001:db8::1': /documentation/,
    };
    for (const [address, why] of Object.entries(refused)) assert.match(addressRefusal(address) ?? 'allowed', why, address);
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::'])
      assert.equal(addressRefusal(address), undefined, address);
  });
});

describe('http tasks under the egress policy, against real loopback servers', () => {
  let http: TestHttpServer;
  let other: TestHttpServer;
  let port: string;
  let otherPort: string;
  const strict = new EgressPolicy();
  before(async () => {
    http = await startHttpServer();
    other = await startHttpServer();
    port = new URL(http.url).port;
    otherPort = new URL(other.url).port;
    http.route('/hello', (_req, res) => json(res, 200, { hello: 'world' }));
    http.route('/to-other', (_req, res) => {
      res.writeHead(302, { location: `http://[::ffff:127.0.0.1]:${otherPort}/landed` });
      res.end();
    });
    http.route('/to-temporal', (_req, res) => {
      res.writeHead(307, { location: `http://${temporalAddress()}/api/v1/namespaces` });
      res.end();
    });
    http.route('/to-metadata', (_req, res) => {
      res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    other.route('/landed', (_req, res) => json(res, 200, { landed: true }));
  });
  after(async () => {
    await http.close();
    await other.close();
  });

  it('refuses every spelling of a loopback address by default, and nothing reaches the server', async () => {
    const before = http.requests.length;
    for (const host of [
      '127.0.0.1',
      '127.1',
      '0x7f.0.0.1',
      '2130706433',
      '017700000001',
      '[::1]',
      '[::ffff:7f00:1]',
      '[::ffff:127.0.0.1]',
      '[::127.0.0.1]',
      '0.0.0.0',
    ]) {
      await assert.rejects(
        call(`http://${host}:${port}/hello`, strict),
        refusal(/is not allowed: .* is (a loopback|an unspecified|the unspecified)/, /public addresses/),
        host,
      );
    }
    assert.equal(http.requests.length, before);
  });

  it('refuses private, link-local, metadata and IPv6 private addresses, saying why and how an operator allows them', async () => {
    await assert.rejects(
      call('http://169.254.169.254/latest/meta-data/', strict),
      refusal(
        /host 169\.254\.169\.254 is not allowed: 169\.254\.169\.254 is a link-local address/,
        /set(ting)? WEFT_HTTP_ALLOWED_HOSTS=169\.254\.169\.254:80 for the worker/,
      ),
    );
    await assert.rejects(call('http://10.0.0.7:8080/', strict), refusal(/10\.0\.0\.7 is a private address/, /WEFT_HTTP_ALLOWED_HOSTS=10\.0\.0\.7:8080/));
    await assert.rejects(call('https://192.168.0.1/', strict), refusal(/private/, /WEFT_HTTP_ALLOWED_HOSTS=192\.168\.0\.1:443/));
    await assert.rejects(call('http://[fd00:ec2::254]/', strict), refusal(/fd00:ec2::254 is a private \(unique local\) address/));
    await assert.rejects(call('http://[fe80::1]:9/', strict), refusal(/link-local/));
  });

  it('judges a name by the address it resolves to: localhost is refused', async () => {
    const before = http.requests.length;
    await assert.rejects(
      call(`http://localhost:${port}/hello`, strict),
      refusal(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/, /WEFT_HTTP_ALLOWED_HOSTS=localhost:\d+/),
    );
    assert.equal(http.requests.length, before);
  });

  it('resolves a name once per hop and connects to the address it checked (no second DNS answer)', async () => {
    const asked: string[] = [];
    // A rebinding resolver: the first answer is the loopback server, later ones an address that must never be used.
    const rebinding: ResolveHost = async (name) => {
      asked.push(name);
      return [{ address: asked.length === 1 ? '127.0.0.1' : '10.255.255.1', family: 4 }];
    };
    const listed = new EgressPolicy({ allowList: HostAllowList.parse(`rebind.example:${port}`), resolve: rebinding });
    assert.deepEqual((await call(`http://rebind.example:${port}/hello`, listed)).body, { hello: 'world' });
    assert.deepEqual(asked, ['rebind.example']);
    assert.equal(http.requests.at(-1)?.headers.host, `rebind.example:${port}`, 'the Host header is the name asked for');
    const strictRebinding = new EgressPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    await assert.rejects(call(`http://rebind.example:${port}/hello`, strictRebinding), refusal(/rebind\.example resolves to 127\.0\.0\.1, a loopback address/));
  });

  it('checks every redirect hop: an allowed host cannot redirect to a refused address', async () => {
    const listed = new EgressPolicy({ allowList: HostAllowList.parse(`127.0.0.1:${port}`) });
    const landed = other.requests.length;
    await assert.rejects(call(`${http.url}/to-other`, listed), refusal(/host \[::ffff:7f00:1\]:\d+ is not allowed/, /redirected from 127\.0\.0\.1/));
    await assert.rejects(call(`${http.url}/to-metadata`, listed), refusal(/169\.254\.169\.254/));
    assert.equal(other.requests.length, landed, 'the refused hop is never requested');
    const broad = new EgressPolicy({ allowList: HostAllowList.parse('127.0.0.1'), protectedEndpoints: temporalEndpoints(temporalAddress()) });
    await assert.rejects(call(`${http.url}/to-temporal`, broad), refusal(/is the Temporal server's gRPC port/));
  });

  it('allows a loopback host:port that WEFT_HTTP_ALLOWED_HOSTS lists, and only that one', async () => {
    const listed = new EgressPolicy({ allowList: HostAllowList.parse(`127.0.0.1:${port}`) });
    assert.deepEqual((await call(`${http.url}/hello`, listed)).body, { hello: 'world' });
    await assert.rejects(
      call(`${other.url}/landed`, listed),
      refusal(/WEFT_HTTP_ALLOWED_HOSTS allows only 127\.0\.0\.1:\d+/, new RegExp(`adding 127\\.0\\.0\\.1:${otherPort} to WEFT_HTTP_ALLOWED_HOSTS`)),
    );
  });

  it("keeps Weft's and Temporal's own ports closed even to an allowed host, unless that exact host:port is listed", async () => {
    const address = temporalAddress();
    const endpoints = [...temporalEndpoints(address), { host: '127.0.0.1', port: Number(port), what: "Weft's own MCP endpoint" }];
    const broad = new EgressPolicy({ allowList: HostAllowList.parse('127.0.0.1,localhost'), protectedEndpoints: endpoints });
    const before = http.requests.length;
    await assert.rejects(call(`http://${address}/`, broad), refusal(/is the Temporal server's gRPC port, which flows may not call/));
    await assert.rejects(call(`http://localhost:${address.split(':')[1]}/`, broad), refusal(/Temporal server's gRPC port/));
    await assert.rejects(call(`${http.url}/hello`, broad), refusal(/is Weft's own MCP endpoint/, new RegExp(`lists exactly 127\\.0\\.0\\.1:${port}`)));
    assert.equal(http.requests.length, before);
    const exact = new EgressPolicy({ allowList: HostAllowList.parse(`127.0.0.1:${port}`), protectedEndpoints: endpoints });
    assert.equal((await call(`${http.url}/hello`, exact)).status, 200);
  });

  it('fails credentials in the URL and header values with line breaks as HttpInvalidRequestError, sending nothing', async () => {
    const listed = new EgressPolicy({ allowList: HostAllowList.parse('127.0.0.1') });
    const before = http.requests.length;
    const invalid = (e: unknown) => e instanceof ApplicationFailure && e.type === 'HttpInvalidRequestError';
    await assert.rejects(call(`http://user:pw@127.0.0.1:${port}/hello`, listed), invalid);
    const input: HttpRequestInput = {
      context: { runId: 'egress-2', taskId: 'call', attempt: 1 },
      url: `${http.url}/hello`,
      method: 'GET',
      headers: { 'x-forged': 'a\r\nx-admin: yes' },
      query: {},
      responseType: 'auto',
      timeoutMs: 5000,
    };
    await assert.rejects(
      new MockActivityEnvironment().run((i: HttpRequestInput) => performHttpRequest(i, new Redactor([]), listed), input),
      invalid,
    );
    assert.equal(http.requests.length, before);
  });

  it('keeps secrets out of a refusal', async () => {
    await assert.rejects(
      call('http://10.0.0.7/?token=s3cr3t-value', strict),
      (e: unknown) => refusal(/private/)(e) && !(e as Error).message.includes('s3cr3t-value'),
    );
    await assert.rejects(
      call('http://s3cr3t-value.localhost/', new EgressPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] }), ['s3cr3t-value']),
      (e: unknown) => refusal(/loopback/)(e) && !(e as Error).message.includes('s3cr3t-value'),
    );
  });
});
