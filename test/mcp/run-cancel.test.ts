// What cancel_run answers, over stdio and Streamable HTTP with the SDK's Client: the run's
// real state. A run that stops at once is CANCELLED (or TERMINATED) in the answer; one still
// running its finally tasks is RUNNING with `cancelRequested: true`, and ends CANCELLED later.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeOverBothTransports, structured, textOf } from '../helpers/mcp-clients.js';

interface Cancelled {
  runId: string;
  state: string;
  cancelRequested?: boolean;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function waitUntilNapping(client: Client, runId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const run = structured<{ tasks: { id: string; state: string }[] }>(await call(client, 'get_run', { runId }));
    if (run.tasks.some((t) => t.id === 'nap' && t.state === 'WAITING')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId}: nap never started`);
}

describeOverBothTransports('cancel_run answers the run’s real state', (connect, transport) => {
  const ns = `cancel${transport}`;
  let client: Client;
  before(async () => {
    client = await connect();
    await call(client, 'save_flow', { flow: `id: nap\nnamespace: ${ns}\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n` });
    await call(client, 'save_flow', {
      flow: `id: tidy\nnamespace: ${ns}\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\nfinally:\n  - { id: tidy, type: sleep, duration: 6s }\n`,
    });
  });

  it('answers CANCELLED for a run that stops at once, with no cancelRequested', async () => {
    const { runId } = structured<{ runId: string }>(await call(client, 'run_flow', { flow: `${ns}/nap` }));
    await waitUntilNapping(client, runId);
    const result = await call(client, 'cancel_run', { runId });
    assert.deepEqual(structured<Cancelled>(result), { runId, state: 'CANCELLED' });
    assert.match(textOf(result), new RegExp(`run ${runId}: CANCELLED`));
  });

  it('answers RUNNING with cancelRequested while finally tasks run, and the run then ends CANCELLED', async () => {
    const { runId } = structured<{ runId: string }>(await call(client, 'run_flow', { flow: `${ns}/tidy` }));
    await waitUntilNapping(client, runId);
    const asked = Date.now();
    const result = await call(client, 'cancel_run', { runId, reason: 'test' });
    const waited = Date.now() - asked;
    assert.deepEqual(structured<Cancelled>(result), { runId, state: 'RUNNING', cancelRequested: true });
    assert.ok(waited >= 1500 && waited < 6000, `cancel waited ${waited} ms for the end, bounded near 2 s`);
    assert.match(textOf(result), /cancellation requested, still RUNNING while its finally tasks run/);
    const ended = structured<{ state: string; tasks: { id: string; state: string }[] }>(await call(client, 'get_run', { runId, waitSeconds: 20 }));
    assert.equal(ended.state, 'CANCELLED');
    assert.deepEqual(
      ended.tasks.map((t) => [t.id, t.state]),
      [
        ['nap', 'CANCELLED'],
        ['tidy', 'COMPLETED'],
      ],
    );
  });

  it('answers TERMINATED for force, without waiting on finally', async () => {
    const { runId } = structured<{ runId: string }>(await call(client, 'run_flow', { flow: `${ns}/tidy` }));
    await waitUntilNapping(client, runId);
    const asked = Date.now();
    const result = await call(client, 'cancel_run', { runId, force: true });
    assert.deepEqual(structured<Cancelled>(result), { runId, state: 'TERMINATED' });
    assert.ok(Date.now() - asked < 1500, 'a terminated run is closed at once; nothing waits');
  });
});
