// Refusals leave audit records: a token refused (none, wrong, malformed, revoked), a session used
// with another key, a tool outside the key's scope, a namespace or script beyond its rights; and
// no record holds a token. Against a real `weft mcp --http --auth` process and its SQLite store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { type AuditEntry, AuditLog } from '../../src/services/security/audit-log.js';
import { RefusalAudit } from '../../src/services/security/audit-refusals.js';
import { AuditWriter } from '../../src/services/security/audit-writer.js';
import { type HttpMcpServer, startHttpMcp, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const WRONG = `weft_${'Q'.repeat(43)}`;
const OTHER = 'id: other\nnamespace: team-b\ntasks:\n  - { id: a, type: log, message: hi }\n';
const SCRIPTED = 'id: scripted\nnamespace: team-a\ntasks:\n  - { id: s, type: script, language: bash, script: "echo hi" }\n';

describe('audit records of refusals', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let keys: ApiKeyService;
  const tokens: Record<string, string> = {};
  const prefixes: Record<string, string> = {};

  before(async () => {
    env = await createTestEnv();
    keys = new ApiKeyService(env.store);
    for (const [name, options] of [
      ['reader', { scope: 'read' }],
      ['teamA', { scope: 'run', namespace: 'team-a' }],
      ['admin', { scope: 'admin' }],
      ['gone', { scope: 'admin' }],
    ] as const) {
      const key = await keys.create({ ...options, name });
      tokens[name] = key.token;
      prefixes[name] = key.prefix;
    }
    await keys.revoke(prefixes.gone as string);
    mcp = await startHttpMcp(env, ['--auth']);
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  async function entriesWhere(what: string, match: (e: AuditEntry) => boolean, count = 1): Promise<AuditEntry[]> {
    return waitFor(
      what,
      async () => {
        const found = (await new AuditLog(env.store).query({ limit: 500 })).entries.filter(match);
        return found.length >= count ? found : undefined;
      },
      5000,
      25,
    );
  }

  it('records refused authentication: no key, a malformed, an unknown and a revoked key', async () => {
    await assert.rejects(mcp.connect());
    await assert.rejects(mcp.connect({}, 'not-a-key'));
    await assert.rejects(mcp.connect({}, WRONG));
    await assert.rejects(mcp.connect({}, tokens.gone));
    const refused = await entriesWhere('authentication refusals', (e) => e.tool === 'authenticate', 4);
    const byReason = new Map(refused.map((e) => [(e.arguments as { reason: string }).reason, e]));
    assert.equal(byReason.get('missing')?.actor, 'anonymous');
    assert.equal(byReason.get('malformed')?.actor, 'anonymous');
    assert.equal(byReason.get('unknown')?.actor, `key:${WRONG.slice(0, 13)}`);
    assert.equal(byReason.get('revoked')?.actor, `key:${prefixes.gone}`);
    for (const entry of refused) {
      assert.equal(entry.outcome, 'error');
      assert.equal(entry.errorCode, 'API_KEY_INVALID');
      assert.equal(entry.transport, 'http');
    }
  });

  it('records a session used with another key', async () => {
    const admin = await mcp.connect({}, tokens.admin);
    const sessionId = (admin.transport as StreamableHTTPClientTransport).sessionId as string;
    const response = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.reader}`,
        'mcp-session-id': sessionId,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
    });
    assert.equal(response.status, 403);
    const [entry] = await entriesWhere('the session refusal', (e) => e.tool === 'session');
    assert.equal(entry?.actor, `key:${prefixes.reader}`);
    assert.equal(entry?.errorCode, 'SESSION_KEY_MISMATCH');
    assert.deepEqual(entry?.arguments, { sessionOwner: `key:${prefixes.admin}` });
  });

  it('records a call outside the key scope, and refused namespaces and scripts', async () => {
    const reader = await mcp.connect({}, tokens.reader);
    const scoped = (await reader.callTool({ name: 'delete_flow', arguments: { flow: 'team-a/x' } })) as CallToolResult;
    assert.equal(scoped.isError, true);
    const admin = await mcp.connect({}, tokens.admin);
    structured(await admin.callTool({ name: 'save_flow', arguments: { flow: OTHER } }));
    const teamA = await mcp.connect({}, tokens.teamA);
    const foreign = (await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-b/other' } })) as CallToolResult;
    assert.equal(foreign.isError, true);
    const listed = (await teamA.callTool({ name: 'list_flows', arguments: { namespace: 'team-b' } })) as CallToolResult;
    assert.equal(listed.isError, true, 'a read of another namespace is refused');
    const script = (await teamA.callTool({ name: 'save_flow', arguments: { flow: SCRIPTED } })) as CallToolResult;
    assert.equal(script.isError, true);

    const [outOfScope] = await entriesWhere('the out-of-scope call', (e) => e.tool === 'delete_flow' && e.actor === `key:${prefixes.reader}`);
    assert.equal(outOfScope?.errorCode, 'TOOL_NOT_ALLOWED');
    assert.deepEqual(outOfScope?.arguments, { flow: 'team-a/x' });
    const teamARecords = await entriesWhere('team-a refusals', (e) => e.actor === `key:${prefixes.teamA}` && e.outcome === 'error', 3);
    const tools = teamARecords.map((e) => e.tool).sort();
    assert.deepEqual(tools, ['list_flows', 'run_flow', 'save_flow']);
    const listRecord = teamARecords.find((e) => e.tool === 'list_flows');
    assert.match(listRecord?.errorCode ?? '', /ACCESS_DENIED|NAMESPACE_NOT_ALLOWED/);
    const scriptRecord = teamARecords.find((e) => e.tool === 'save_flow');
    assert.match(scriptRecord?.errorCode ?? '', /ACCESS_DENIED|SCRIPTS_NOT_ALLOWED/);
  });

  it('never keeps a token in any record', async () => {
    const rows = await env.store.db.selectFrom('audit_log').selectAll().execute();
    assert.ok(rows.length >= 8);
    const all = JSON.stringify(rows);
    for (const token of [WRONG, ...Object.values(tokens)]) assert.equal(all.includes(token), false);
    assert.equal(all.includes(WRONG.slice(13)), false, 'not even the secret part of a wrong token');
  });

  it('counts refusals beyond the per-minute bound in one record instead of writing each', async () => {
    const log = new AuditLog(env.store);
    const writer = new AuditWriter(log, () => undefined);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const refusals = new RefusalAudit(writer, 'http', { perMinute: 3, now: () => now });
    for (let i = 0; i < 10; i++) refusals.record({ actor: 'anonymous', tool: 'flood-test', errorCode: 'API_KEY_INVALID' });
    now += 61_000;
    refusals.record({ actor: 'anonymous', tool: 'flood-test', errorCode: 'API_KEY_INVALID' });
    await writer.flush();
    const { entries } = await log.query({ limit: 500 });
    assert.equal(entries.filter((e) => e.tool === 'flood-test').length, 4, '3 in the first minute, 1 in the next');
    const [counted] = entries.filter((e) => e.tool === 'refusals');
    assert.deepEqual((counted?.arguments as { counts?: unknown } | undefined)?.counts, [{ refusal: 'flood-test API_KEY_INVALID', count: 7 }]);
  });
});
