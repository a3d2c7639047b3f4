// API keys on the Streamable HTTP transport: no key, a wrong key, scopes deciding which tools a
// session sees and may call, the script permission, namespace-bound keys, and the audit log
// of mutating calls with secrets redacted.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { type AuditEntry, AuditLog, type AuditQuery } from '../../src/services/security/audit-log.js';
import type { Store } from '../../src/services/store/database.js';
import { connectStdio, type HttpMcpServer, startHttpMcp, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const PLAIN = 'id: plain\nnamespace: team-a\ntasks:\n  - { id: a, type: log, message: hi }\n';
const SCRIPTED = 'id: scripted\nnamespace: team-a\ntasks:\n  - { id: s, type: script, language: bash, script: "echo hi" }\n';
const OTHER = 'id: other\nnamespace: team-b\ntasks:\n  - { id: a, type: log, message: hi }\n';

/**
 * The audit entries matching `query` once `ready` holds for them: the server writes a call's
 * record just after its answer, so a reader in another process may look a moment too soon, and
 * earlier tests in this file leave records of their own that a bare count would take for these.
 */
function auditEntries(store: Store, query: AuditQuery, what: string, ready: (entries: AuditEntry[]) => boolean): Promise<AuditEntry[]> {
  return waitFor(
    `audit entries matching ${JSON.stringify(query)}: ${what}`,
    async () => {
      const { entries } = await new AuditLog(store).query(query);
      return ready(entries) ? entries : undefined;
    },
    5000,
    20,
  );
}

/** The `flow` argument a recorded call was given. */
function flowArgument(entry: AuditEntry): unknown {
  return (entry.arguments as { flow?: unknown } | null)?.flow;
}

describe('MCP over HTTP with API keys', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  let keys: ApiKeyService;
  const tokens: Record<string, string> = {};

  before(async () => {
    env = await createTestEnv();
    keys = new ApiKeyService(env.store);
    tokens.read = (await keys.create({ scope: 'read', name: 'reader' })).token;
    tokens.run = (await keys.create({ scope: 'run', name: 'runner' })).token;
    tokens.scripts = (await keys.create({ scope: 'run', name: 'scripter', allowScripts: true })).token;
    tokens.teamA = (await keys.create({ scope: 'run', name: 'team-a', namespace: 'team-a' })).token;
    tokens.admin = (await keys.create({ scope: 'admin', name: 'admin' })).token;
    mcp = await startHttpMcp(env, ['--auth']);
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  async function names(client: Client): Promise<string[]> {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  }

  it('refuses a session without a key or with a wrong or revoked one', async () => {
    await assert.rejects(mcp.connect(), /401|unauthorized|API key/i);
    await assert.rejects(mcp.connect({}, 'weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), /401|API key/i);
    const revoked = await keys.create({ scope: 'admin', name: 'gone' });
    await keys.revoke(revoked.id);
    await assert.rejects(mcp.connect({}, revoked.token), /401|API key/i);
  });

  it('shows a read key only the tools that read, and refuses the others', async () => {
    const reader = await mcp.connect({}, tokens.read);
    const visible = await names(reader);
    assert.deepEqual(visible, [
      'get_flow',
      'get_run',
      'list_flows',
      'list_limits',
      'list_runs',
      'list_task_types',
      'list_triggers',
      'query_logs',
      'validate_flow',
    ]);
    const refused = (await reader.callTool({ name: 'save_flow', arguments: { flow: PLAIN } })) as CallToolResult;
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /save_flow not found/);
  });

  it('lets a run key save and run flows but not delete them or use scripts; scripts need the permission', async () => {
    const runner = await mcp.connect({}, tokens.run);
    const visible = await names(runner);
    assert.ok(visible.includes('run_flow') && visible.includes('save_flow'));
    assert.equal(visible.includes('delete_flow'), false);
    structured(await runner.callTool({ name: 'save_flow', arguments: { flow: PLAIN } }));
    const script = (await runner.callTool({ name: 'save_flow', arguments: { flow: SCRIPTED } })) as CallToolResult;
    assert.equal(script.isError, true);
    assert.match(textOf(script), /script/i);
    const scripter = await mcp.connect({}, tokens.scripts);
    structured(await scripter.callTool({ name: 'save_flow', arguments: { flow: SCRIPTED } }));
    const blocked = (await runner.callTool({ name: 'run_flow', arguments: { flow: 'team-a/scripted' } })) as CallToolResult;
    assert.equal(blocked.isError, true, 'a run key without scripts cannot run a flow with a script task');
    const admin = await mcp.connect({}, tokens.admin);
    assert.ok((await names(admin)).includes('delete_flow'));
  });

  it('keeps a namespace-bound key inside its namespace', async () => {
    const admin = await mcp.connect({}, tokens.admin);
    structured(await admin.callTool({ name: 'save_flow', arguments: { flow: OTHER } }));
    const teamA = await mcp.connect({}, tokens.teamA);
    const foreign = (await teamA.callTool({ name: 'save_flow', arguments: { flow: OTHER.replace('id: other', 'id: other2') } })) as CallToolResult;
    assert.equal(foreign.isError, true);
    assert.match(textOf(foreign), /namespace/);
    const listed = structured<{ flows: { flow: string }[] }>(await teamA.callTool({ name: 'list_flows', arguments: {} }));
    assert.ok(listed.flows.length > 0);
    assert.ok(listed.flows.every((f) => f.flow.startsWith('team-a/')));
    const run = (await teamA.callTool({ name: 'run_flow', arguments: { flow: 'team-b/other' } })) as CallToolResult;
    assert.equal(run.isError, true);
  });

  it('audits every mutating call: who, tool, arguments with secrets redacted, outcome', async () => {
    const runner = await mcp.connect({}, tokens.run);
    structured(await runner.callTool({ name: 'run_flow', arguments: { flow: 'team-a/plain', waitSeconds: 10, idempotencyKey: 'audit-1', inputs: {} } }));
    await runner.callTool({ name: 'run_flow', arguments: { flow: 'team-a/nope', inputs: { apiToken: 'sk-live-123456' } } });
    const entries = await auditEntries(env.store, { tool: 'run_flow' }, 'the run of team-a/plain and the refused team-a/nope', (found) =>
      ['team-a/plain', 'team-a/nope'].every((flow) => found.some((e) => flowArgument(e) === flow)),
    );
    const prefix = tokens.run?.slice(0, 13);
    const ok = entries.find((e) => flowArgument(e) === 'team-a/plain');
    const failed = entries.find((e) => flowArgument(e) === 'team-a/nope');
    assert.equal(ok?.outcome, 'ok');
    assert.equal(failed?.outcome, 'error');
    assert.equal(ok?.actor, `key:${prefix}`);
    assert.ok(ok?.runId?.startsWith('team-a.plain-'));
    assert.equal(failed?.errorCode, 'FLOW_NOT_FOUND');
    assert.equal(JSON.stringify(failed?.arguments).includes('sk-live-123456'), false, 'secrets never reach the audit log');
    const reads = (await new AuditLog(env.store).query({ tool: 'list_flows' })).entries;
    assert.equal(reads.length, 0, 'reads are not audited');
  });

  it('audits stdio calls as the local user', async () => {
    const session = await connectStdio(env);
    try {
      structured(await session.client.callTool({ name: 'save_flow', arguments: { flow: PLAIN.replace('id: plain', 'id: local-one') } }));
    } finally {
      await session.close();
    }
    const entries = await auditEntries(env.store, { tool: 'save_flow', actor: 'local' }, 'the save of team-a/local-one', (found) => found.length > 0);
    assert.equal(entries[0]?.flow, 'team-a/local-one');
    assert.equal(entries[0]?.transport, 'stdio');
  });
});

describe('MCP over HTTP on a non-loopback address', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    mcp = await startHttpMcp(env, ['--host', '0.0.0.0']);
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  it('requires a key without being told to', async () => {
    await assert.rejects(mcp.connect(), /401|unauthorized|API key/i);
    const { token } = await new ApiKeyService(env.store).create({ scope: 'read' });
    const client = await mcp.connect({}, token);
    assert.ok((await client.listTools()).tools.length > 0);
  });
});
