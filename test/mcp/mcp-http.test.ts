// `weft mcp --http`: the SDK's Client over Streamable HTTP against the real server process.
// Progress notifications as tasks finish, approvals answered by the user through elicitation,
// read-only mode, the transport's guards (Host header, sessions, body size), and its choice
// of a JSON body or an event stream per call.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { type HttpMcpServer, startHttpMcp, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const PROGRESS_FLOW = (url: string) => `id: steps
namespace: web
tasks:
  - { id: first, type: http, url: "${url}/slow" }
  - { id: second, type: http, url: "${url}/slow" }
  - { id: third, type: http, url: "${url}/slow" }
`;

const REVIEW_FLOW = `id: review
namespace: web
tasks:
  - id: ok
    type: approval
    message: "Ship release 7?"
    fields: { type: object, properties: { reason: { type: string } }, required: [reason] }
outputs: { approved: "{{ outputs.ok.approved }}", reason: "{{ outputs.ok.data.reason }}", by: "{{ outputs.ok.by }}" }
`;

const REVIEW_ANY_FLOW = `id: review-any
namespace: web
tasks:
  - id: ok
    type: approval
    message: "Ship release 8?"
    approvers: any
    onReject: continue
    fields: { type: object, properties: { reason: { type: string } } }
outputs: { approved: "{{ outputs.ok.approved }}", by: "{{ outputs.ok.by }}" }
`;

describe('weft mcp over Streamable HTTP', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let site: TestHttpServer;
  before(async () => {
    env = await createTestEnv();
    site = await startHttpServer();
    site.route('/slow', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      json(res, 200, { ok: true });
    });
    mcp = await startHttpMcp(env);
  });
  after(async () => {
    await mcp?.stop();
    await site?.close();
    await env?.close();
  });

  it('notifies progress as each task finishes, before the result', async () => {
    const client = await mcp.connect();
    structured(await client.callTool({ name: 'save_flow', arguments: { flow: PROGRESS_FLOW(site.url) } }));
    const seen: { message?: string; at: number }[] = [];
    const result = await client.callTool({ name: 'run_flow', arguments: { flow: 'web/steps', waitSeconds: 30 } }, undefined, {
      onprogress: (p) => seen.push({ message: p.message, at: Date.now() }),
      timeout: 60_000,
    });
    const doneAt = Date.now();
    assert.equal(structured<{ state: string }>(result).state, 'COMPLETED');
    assert.deepEqual(
      seen.map((s) => s.message),
      ['first COMPLETED', 'second COMPLETED', 'third COMPLETED'],
    );
    // Live, not replayed at the end: the first task's notice came well before the run ended.
    assert.ok(doneAt - (seen[0]?.at ?? doneAt) >= 400, `first notice ${doneAt - (seen[0]?.at ?? 0)} ms before the end`);
  });

  it('asks the user through elicitation for a human approval and carries their answer into the run', async () => {
    const asked: string[] = [];
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      const schema = (request.params as { requestedSchema: { properties: Record<string, unknown>; required: string[] } }).requestedSchema;
      assert.deepEqual(Object.keys(schema.properties).sort(), ['approved', 'comment', 'reason']);
      assert.deepEqual(schema.required.sort(), ['approved', 'reason']);
      return { action: 'accept', content: { approved: true, comment: 'go', reason: 'tests pass' } };
    });
    structured(await client.callTool({ name: 'save_flow', arguments: { flow: REVIEW_FLOW } }));
    const run = structured<{ state: string; outputs: Record<string, unknown> }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'web/review', waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
    );
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /Ship release 7\?/);
    assert.equal(run.state, 'COMPLETED');
    assert.equal(run.outputs.approved, true);
    assert.equal(run.outputs.reason, 'tests pass');
    assert.match(String(run.outputs.by), /user/);
  });

  it('leaves the approval pending when the user declines the form', async () => {
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    const run = structured<{ runId: string; state: string; approvals: { taskId: string }[] }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'web/review', waitSeconds: 4 } }, undefined, { timeout: 60_000 }),
    );
    assert.equal(run.state, 'WAITING');
    assert.deepEqual(
      run.approvals.map((a) => a.taskId),
      ['ok'],
    );
    // Without elicitation the agent itself cannot answer a human approval.
    const plain = await mcp.connect();
    const refused = await plain.callTool({ name: 'respond_to_approval', arguments: { runId: run.runId, taskId: 'ok', approved: true, data: { reason: 'x' } } });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /approvers: human/);
    await plain.callTool({ name: 'cancel_run', arguments: { runId: run.runId, force: true } });
  });

  it("refuses an agent's answer after the user answered through elicitation: accepted false, the user's decision", async () => {
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approved: true, reason: 'user says go' } }));
    await client.callTool({ name: 'save_flow', arguments: { flow: REVIEW_ANY_FLOW } });
    const run = structured<{ runId: string; state: string; outputs: Record<string, unknown> }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'web/review-any', waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
    );
    assert.equal(run.state, 'COMPLETED');
    const agent = await mcp.connect();
    const late = await agent.callTool({ name: 'respond_to_approval', arguments: { runId: run.runId, taskId: 'ok', approved: false } });
    assert.notEqual(late.isError, true);
    const refused = structured<{ accepted: boolean; code: string; decision: { approved: boolean; by: string } }>(late);
    assert.deepEqual(
      [refused.accepted, refused.code, refused.decision.approved, refused.decision.by],
      [false, 'APPROVAL_ALREADY_DECIDED', true, 'user (via MCP elicitation)'],
    );
    assert.match(textOf(late), /already approved by user \(via MCP elicitation\)/);
  });

  it('tells the client when the user answers a form for an approval an agent decided meanwhile; the run keeps the agent answer', async () => {
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    const agent = await mcp.connect();
    const warnings: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notice) => {
      warnings.push(notice.params.data);
    });
    const agentAnswers: Array<{ accepted: boolean }> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const runId = /Run (\S+) asks/.exec(request.params.message)?.[1] ?? '';
      // While the form is open, an agent answers first.
      agentAnswers.push(structured(await agent.callTool({ name: 'respond_to_approval', arguments: { runId, taskId: 'ok', approved: false } })));
      return { action: 'accept', content: { approved: true, reason: 'too late' } };
    });
    await client.callTool({ name: 'save_flow', arguments: { flow: REVIEW_ANY_FLOW } });
    const run = structured<{ runId: string; state: string; outputs: Record<string, unknown> }>(
      await client.callTool({ name: 'run_flow', arguments: { flow: 'web/review-any', waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
    );
    assert.deepEqual(agentAnswers, [{ runId: run.runId, taskId: 'ok', accepted: true }]);
    assert.equal(run.state, 'COMPLETED');
    assert.equal(run.outputs.approved, false);
    assert.match(String(run.outputs.by), /^agent/);
    const notice = warnings.find((w) => (w as { code?: string }).code === 'APPROVAL_ALREADY_DECIDED') as
      | { runId: string; decision: { approved: boolean; by: string }; message: string }
      | undefined;
    assert.ok(notice, JSON.stringify(warnings));
    assert.equal(notice.runId, run.runId);
    assert.deepEqual([notice.decision.approved, /^agent/.test(notice.decision.by)], [false, true]);
  });

  it('two agents answering at the same time: exactly one is accepted, the other is told the winning decision', async () => {
    const [one, two] = await Promise.all([mcp.connect(), mcp.connect()]);
    await one.callTool({ name: 'save_flow', arguments: { flow: REVIEW_ANY_FLOW } });
    const run = structured<{ runId: string; state: string }>(await one.callTool({ name: 'run_flow', arguments: { flow: 'web/review-any', waitSeconds: 3 } }));
    assert.equal(run.state, 'WAITING');
    const answers = await Promise.all([
      one.callTool({ name: 'respond_to_approval', arguments: { runId: run.runId, taskId: 'ok', approved: true } }),
      two.callTool({ name: 'respond_to_approval', arguments: { runId: run.runId, taskId: 'ok', approved: false } }),
    ]);
    const results = answers.map((a) => structured<{ accepted: boolean; code?: string; decision?: { approved: boolean } }>(a));
    assert.deepEqual(results.map((r) => r.accepted).sort(), [false, true]);
    const winner = results.findIndex((r) => r.accepted);
    const loser = results[1 - winner];
    assert.equal(loser?.code, 'APPROVAL_ALREADY_DECIDED');
    assert.equal(loser?.decision?.approved, winner === 0);
    const done = structured<{ state: string; outputs: { approved: boolean } }>(
      await one.callTool({ name: 'get_run', arguments: { runId: run.runId, waitSeconds: 20 } }, undefined, { timeout: 60_000 }),
    );
    assert.deepEqual([done.state, done.outputs.approved], ['COMPLETED', winner === 0]);
  });

  it('refuses foreign Host headers, unknown sessions and oversized bodies', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    // fetch will not send a forged Host header; node:http will, like a DNS-rebinding page's browser.
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(mcp.url, { method: 'POST', headers: { ...headers, host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(JSON.stringify(init));
    });
    assert.equal(rebinding, 403);
    const stale = await fetch(mcp.url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': 'nope' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    assert.equal(stale.status, 404);
    const huge = await fetch(mcp.url, { method: 'POST', headers, body: JSON.stringify({ ...init, padding: 'p'.repeat(3 * 1024 * 1024) }) });
    assert.equal(huge.status, 413);
  });

  it('answers a call in one JSON body, streams only a call that sends something first, and ends sessions on DELETE', async () => {
    const accept = 'application/json, text/event-stream';
    const post = (body: unknown, sessionId?: string) =>
      fetch(mcp.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}) },
        body: JSON.stringify(body),
      });
    const opened = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    assert.equal(opened.headers.get('content-type'), 'application/json');
    const sessionId = opened.headers.get('mcp-session-id') ?? '';
    assert.ok(sessionId, 'the initialize answer names the session');
    assert.equal(((await opened.json()) as { result: { protocolVersion: string } }).result.protocolVersion, '2025-06-18');
    assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId)).status, 202);

    const listed = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, sessionId);
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('content-type'), 'application/json');
    assert.ok(((await listed.json()) as { result: { tools: unknown[] } }).result.tools.length > 5);

    // Batches (2025-03-26 only; this session speaks 2025-06-18) are tested in http-protocol-edges.test.ts.

    // A call that reports progress turns into an event stream: the notices, then the answer.
    structured(await (await mcp.connect()).callTool({ name: 'save_flow', arguments: { flow: PROGRESS_FLOW(site.url) } }));
    const streamed = await post(
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'run_flow', arguments: { flow: 'web/steps', waitSeconds: 30 }, _meta: { progressToken: 'p1' } },
      },
      sessionId,
    );
    assert.equal(streamed.headers.get('content-type'), 'text/event-stream');
    const events = (await streamed.text())
      .split('\n\n')
      .filter((chunk) => chunk.startsWith('event: message\ndata: '))
      .map(
        (chunk) =>
          JSON.parse(chunk.slice('event: message\ndata: '.length)) as { id?: number; method?: string; result?: { structuredContent: { state: string } } },
      );
    assert.deepEqual(
      events.map((e) => e.method ?? `answer ${e.id}`),
      ['notifications/progress', 'notifications/progress', 'notifications/progress', 'answer 5'],
    );
    assert.equal(events.at(-1)?.result?.structuredContent.state, 'COMPLETED');

    // One event stream of its own per session; a second is refused.
    const stream = new AbortController();
    const get = () => fetch(mcp.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, signal: stream.signal });
    const first = await get();
    assert.equal(first.headers.get('content-type'), 'text/event-stream');
    assert.equal((await get()).status, 409);
    stream.abort();

    const wrongType = await fetch(mcp.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'ping' }),
    });
    assert.equal(wrongType.status, 415);

    const ended = await fetch(mcp.url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    assert.equal(ended.status, 200);
    assert.equal((await post({ jsonrpc: '2.0', id: 7, method: 'ping' }, sessionId)).status, 404);
  });
});

describe('weft mcp --read-only', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    mcp = await startHttpMcp(env, ['--read-only', '--disable-tool', 'query_logs']);
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  it('exposes only tools that read, minus the ones switched off', async () => {
    const client = await mcp.connect();
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'draft_flow',
      'get_flow',
      'get_run',
      'list_flows',
      'list_limits',
      'list_runs',
      'list_task_types',
      'list_triggers',
      'validate_flow',
    ]);
    const blocked = await client.callTool({ name: 'save_flow', arguments: { flow: 'id: x\ntasks:\n  - { id: a, type: log, message: hi }\n' } });
    assert.equal(blocked.isError, true);
    assert.match(textOf(blocked), /save_flow not found/);
  });
});
