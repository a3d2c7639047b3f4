// The edges of JSON-RPC and Streamable HTTP on `weft mcp --http`, with raw requests over real
// HTTP on loopback (a well-behaved client never sends most of these): batches per protocol
// version, invalid messages, invalid params, unknown resources, reused request ids, and the
// Origin check against DNS rebinding. The params and resource cases also run over stdio.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { connectStdio, type HttpMcpServer, type StdioSession, startHttpMcp, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const SLOW_FLOW = (url: string) => `id: slow
namespace: edges
tasks:
  - { id: fetch, type: http, url: "${url}/slow" }
`;

const ALLOWED_ORIGIN = 'https://console.example.com';

interface RpcError {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data?: Record<string, unknown> };
}
interface RpcAnswer {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: RpcError['error'];
}
interface Reply {
  status: number;
  text: string;
  body: unknown;
}

const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'ping' });
const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('Streamable HTTP protocol edges', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let site: TestHttpServer;
  let origin: string;

  before(async () => {
    env = await createTestEnv();
    site = await startHttpServer();
    site.route('/slow', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      json(res, 200, { ok: true });
    });
    mcp = await startHttpMcp(env, [], { WEFT_ALLOWED_ORIGINS: ALLOWED_ORIGIN });
    origin = new URL(mcp.url).origin;
  });
  after(async () => {
    await mcp?.stop();
    await site?.close();
    await env?.close();
  });

  async function post(body: unknown, sessionId?: string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  }

  /** A raw session that negotiated `version`, past its initialized notification. */
  async function open(version: string): Promise<string> {
    const res = await fetch(mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'edges', version: '1' } },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { result: { protocolVersion: string } }).result.protocolVersion, version);
    const sessionId = res.headers.get('mcp-session-id') ?? '';
    assert.equal((await post(initialized, sessionId)).status, 202);
    return sessionId;
  }

  function oneError(reply: Reply, status: number, code: number): RpcError {
    assert.equal(reply.status, status, reply.text);
    assert.ok(!Array.isArray(reply.body), `one error object, not a batch: ${reply.text}`);
    const error = reply.body as RpcError;
    assert.equal(error.jsonrpc, '2.0');
    assert.equal(error.error.code, code, reply.text);
    assert.ok(!error.error.message.includes('\n'), `one line: ${error.error.message}`);
    return error;
  }

  it('answers a batch with an array of the answers to its requests (protocol 2025-03-26)', async () => {
    const session = await open('2025-03-26');
    const one = await post([ping(1)], session);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, [{ jsonrpc: '2.0', id: 1, result: {} }]);

    const mixed = await post([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }, ping(2)], session);
    assert.deepEqual(mixed.body, [{ jsonrpc: '2.0', id: 2, result: {} }]);

    const quiet = await post([{ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 98 } }], session);
    assert.equal(quiet.status, 202);
    assert.equal(quiet.text, '');

    // JSON-RPC 2.0: an empty array is one Invalid Request, and each invalid member gets its own.
    const empty = oneError(await post([], session), 400, -32600);
    assert.equal(empty.id, null);
    assert.match(empty.error.message, /empty/);
    const partly = await post([42, { jsonrpc: '2.0', id: 3 }, ping(4)], session);
    assert.equal(partly.status, 200);
    const answers = partly.body as RpcAnswer[];
    assert.equal(answers.length, 3);
    assert.deepEqual(
      answers.filter((a) => a.error).map((a) => [a.id, a.error?.code]),
      [
        [null, -32600],
        [3, -32600],
      ],
    );
    assert.deepEqual(
      answers.find((a) => a.result),
      { jsonrpc: '2.0', id: 4, result: {} },
    );
  });

  it('refuses a batch under protocol 2025-06-18 and later, which removed batching, saying so', async () => {
    for (const version of ['2025-06-18', '2025-11-25']) {
      const session = await open(version);
      const refused = oneError(await post([ping(1)], session, { 'mcp-protocol-version': version }), 400, -32600);
      assert.match(refused.error.message, new RegExp(`batch.*${version}`));
      // The session still works for single messages.
      assert.deepEqual((await post(ping(2), session, { 'mcp-protocol-version': version })).body, { jsonrpc: '2.0', id: 2, result: {} });
    }
  });

  it('answers JSON that is not a JSON-RPC message with -32600 and bytes that are not JSON with -32700', async () => {
    const session = await open('2025-11-25');
    for (const body of [{ foo: 1 }, { jsonrpc: '2.0', id: 1 }, { jsonrpc: '1.0', id: 1, method: 'ping' }, 'hello', 7, null]) {
      const refused = oneError(await post(JSON.stringify(body), session), 400, -32600);
      assert.match(refused.error.message, /Invalid Request/);
    }
    // The id of an invalid request is echoed when it can be read, as JSON-RPC asks.
    assert.equal(oneError(await post({ jsonrpc: '2.0', id: 'x1', method: 7 }, session), 400, -32600).id, 'x1');
    oneError(await post('{"jsonrpc": "2.0", "id": ', session), 400, -32700);
    // Without a session too: the shape is checked before the session is looked for.
    oneError(await post({ foo: 1 }), 400, -32600);
  });

  it('answers tools/call without a name with -32602 naming params.name, in one line', async () => {
    const session = await open('2025-11-25');
    const reply = await post({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { arguments: {} } }, session);
    const error = oneError(reply, 200, -32602);
    assert.equal(error.id, 5);
    assert.match(error.error.message, /^Invalid params: tools\/call params\.name /);
    assert.ok(error.error.message.length < 200, error.error.message);
    const noParams = oneError(await post({ jsonrpc: '2.0', id: 6, method: 'tools/call' }, session), 200, -32602);
    assert.match(noParams.error.message, /params\.name/);
  });

  it('answers resources/read of an unknown resource with -32002 and the uri', async () => {
    const session = await open('2025-11-25');
    for (const uri of ['weft://runs/no-such-run', 'weft://runs/no-such-run/logs', 'weft://nothing/here', 'weft://flows/edges/no-such-flow']) {
      const error = oneError(await post({ jsonrpc: '2.0', id: 7, method: 'resources/read', params: { uri } }, session), 200, -32002);
      assert.equal(error.error.data?.uri, uri);
      assert.ok(error.error.message.includes(uri), error.error.message);
    }
    const notUri = oneError(await post({ jsonrpc: '2.0', id: 8, method: 'resources/read', params: { uri: 'not a uri' } }, session), 200, -32602);
    assert.match(notUri.error.message, /params\.uri/);
  });

  it('answers initialize without params with -32602 naming the fields it needs', async () => {
    const error = oneError(await post({ jsonrpc: '2.0', id: 1, method: 'initialize' }), 400, -32602);
    assert.equal(error.id, 1);
    for (const field of ['params.protocolVersion', 'params.capabilities', 'params.clientInfo'])
      assert.ok(error.error.message.includes(field), error.error.message);
    const batched = oneError(
      await post([
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'x', version: '1' } } },
      ]),
      400,
      -32600,
    );
    assert.match(batched.error.message, /initialize/);
  });

  it('answers each request of a batch once and refuses a duplicate id, naming it (2025-03-26)', async () => {
    const session = await open('2025-03-26');
    const reply = await post([ping(7), ping(7), ping('7')], session);
    const answers = reply.body as RpcAnswer[];
    assert.equal(answers.length, 3, reply.text);
    // 7 and "7" are different ids; the second 7 is refused, the first answered.
    assert.deepEqual(
      answers.filter((a) => a.result).map((a) => a.id),
      [7, '7'],
    );
    const refused = answers.find((a) => a.error);
    assert.equal(refused?.id, 7);
    assert.equal(refused?.error?.code, -32600);
    assert.match(refused?.error?.message ?? '', /id 7 /);
  });

  it('refuses a request reusing the id of one still in flight, and still answers the first', async () => {
    const setup = await mcp.connect();
    structured(await setup.callTool({ name: 'save_flow', arguments: { flow: SLOW_FLOW(site.url) } }));
    const session = await open('2025-11-25');
    const call = { jsonrpc: '2.0', id: 'r1', method: 'tools/call', params: { name: 'run_flow', arguments: { flow: 'edges/slow', waitSeconds: 20 } } };
    const first = post(call, session);
    // The first call is in flight for the 1.5 s its task takes.
    await new Promise((r) => setTimeout(r, 300));
    const startedAt = Date.now();
    const second = oneError(await post(call, session), 200, -32600);
    assert.ok(Date.now() - startedAt < 1000, 'the reused id is refused at once');
    assert.equal(second.id, 'r1');
    assert.match(second.error.message, /id "r1" .*in flight/);
    const answer = (await first).body as RpcAnswer;
    assert.equal(answer.id, 'r1');
    assert.equal((answer.result?.structuredContent as { state?: string } | undefined)?.state, 'COMPLETED');
    // Once answered, the id is free again (the client's business whether to reuse it).
    assert.deepEqual((await post(ping('r1'), session)).body, { jsonrpc: '2.0', id: 'r1', result: {} });

    // A request the client hung up on holds its id until the server has answered it.
    const hangUp = new AbortController();
    const abandoned = fetch(mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session },
      body: JSON.stringify({ ...call, id: 'r2' }),
      signal: hangUp.signal,
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    hangUp.abort();
    await abandoned;
    oneError(await post(ping('r2'), session), 200, -32600);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual((await post(ping('r2'), session)).body, { jsonrpc: '2.0', id: 'r2', result: {} });
  });

  it('refuses requests from a foreign Origin with 403 and a JSON-RPC error; allows its own, listed ones and none', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'o', version: '1' } },
    };
    for (const foreign of ['https://evil.example', 'http://127.0.0.1:1', 'null', `${origin}.evil.example`]) {
      const refused = oneError(await post(init, undefined, { origin: foreign }), 403, -32000);
      assert.ok(refused.error.message.includes('WEFT_ALLOWED_ORIGINS'), refused.error.message);
    }
    const port = new URL(mcp.url).port;
    for (const own of [origin, `http://localhost:${port}`, ALLOWED_ORIGIN, undefined]) {
      const reply = await post(init, undefined, own ? { origin: own } : {});
      assert.equal(reply.status, 200, `${own}: ${reply.text}`);
    }
    // GET and DELETE are checked too, before anything else.
    const get = await fetch(mcp.url, { headers: { accept: 'text/event-stream', origin: 'https://evil.example', 'mcp-session-id': 'x' } });
    assert.equal(get.status, 403);
    assert.equal(((await get.json()) as RpcError).error.code, -32000);
  });
});

describe('protocol edges over stdio', () => {
  let env: TestEnv;
  let stdio: StdioSession;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    stdio = await connectStdio(env);
  });
  after(async () => {
    await stdio?.close();
    await env?.close();
  });

  async function refusal(method: string, params: Record<string, unknown>): Promise<McpError> {
    const error = await stdio.client.request({ method, params } as never, z.object({}).loose()).then(
      () => assert.fail(`${method} succeeded`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof McpError, String(error));
    return error;
  }

  it('answers tools/call without a name with -32602 and an unknown resource with -32002', async () => {
    const noName = await refusal('tools/call', { arguments: {} });
    assert.equal(noName.code, -32602);
    assert.match(noName.message, /params\.name/);
    assert.ok(!noName.message.includes('\n'), noName.message);
    const unknown = await refusal('resources/read', { uri: 'weft://runs/no-such-run' });
    assert.equal(unknown.code, -32002);
    assert.equal((unknown.data as { uri: string }).uri, 'weft://runs/no-such-run');
  });
});
