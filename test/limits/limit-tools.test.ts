// Named limits and concurrency through MCP with the SDK's Client, over stdio and Streamable HTTP:
// set_limit and list_limits, validate_flow's warning for a name with no limit set, and run_flow
// answering the run's real state (QUEUED) under a concurrency limit.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeOverBothTransports, structured } from '../helpers/mcp-clients.js';

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

interface LimitView {
  name: string;
  limit: number | null;
  inUse: number;
  waiting: number;
  holders: string[];
}

describeOverBothTransports('limits through MCP', (connect, transport) => {
  let client: Client;
  const name = `mcp-${transport}-${randomUUID().slice(0, 6)}`;
  before(async () => {
    client = await connect();
  });

  it('sets, lists and removes a named limit', async () => {
    const set = structured<{ limit: LimitView }>(await call(client, 'set_limit', { name, limit: 3 }));
    assert.deepEqual(set.limit, { name, limit: 3, inUse: 0, waiting: 0, holders: [] });
    const listed = structured<{ limits: LimitView[] }>(await call(client, 'list_limits', { name }));
    assert.deepEqual(listed.limits, [{ name, limit: 3, inUse: 0, waiting: 0, holders: [] }]);
    const removed = structured<{ limit: null }>(await call(client, 'set_limit', { name, remove: true }));
    assert.equal(removed.limit, null);
    assert.deepEqual(structured<{ limits: LimitView[] }>(await call(client, 'list_limits', { name })).limits, []);
    const refused = await call(client, 'set_limit', { name });
    assert.equal(refused.isError, true);
  });

  it('warns in validate_flow about a limit name with no limit set', async () => {
    const flow = `id: warned\ntasks:\n  - { id: a, type: log, message: hi, limits: [${name}-typo] }\n`;
    const result = structured<{ valid: boolean; warnings: Array<{ path: string; message: string }> }>(await call(client, 'validate_flow', { flow }));
    assert.equal(result.valid, true);
    assert.ok(
      result.warnings.some((w) => w.path === 'tasks[0].limits[0]' && w.message.includes(`limit ${name}-typo is not set`)),
      JSON.stringify(result.warnings),
    );
  });

  it('answers run_flow with QUEUED for a run waiting for its flow’s slot', async () => {
    const ns = `lim${transport}`;
    await call(client, 'save_flow', { flow: `id: one\nnamespace: ${ns}\nconcurrency: { limit: 1 }\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n` });
    const first = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: `${ns}/one` }));
    assert.equal(first.state, 'RUNNING');
    const second = structured<{ runId: string; state: string }>(await call(client, 'run_flow', { flow: `${ns}/one` }));
    assert.equal(second.state, 'QUEUED');
    const got = structured<{ state: string; waitingFor?: string }>(await call(client, 'get_run', { runId: second.runId }));
    assert.equal(got.state, 'QUEUED');
    assert.equal(got.waitingFor, `concurrency of ${ns}/one`);
    const cancelled = structured<{ state: string }>(await call(client, 'cancel_run', { runId: second.runId }));
    assert.equal(cancelled.state, 'CANCELLED');
    await call(client, 'cancel_run', { runId: first.runId });
  });
});
