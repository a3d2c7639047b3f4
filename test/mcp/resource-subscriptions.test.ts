// Subscriptions to weft://runs/{runId} over stdio and Streamable HTTP with the SDK's Client: the
// server advertises them, notifies on each run or task state change until the run ends, stops
// on unsubscribe, refuses what cannot be watched, and bounds how many runs one session watches.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type CallToolResult, McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { MAX_SUBSCRIPTIONS_PER_SESSION } from '../../mcp/subscriptions.js';
import { describeOverBothTransports, structured } from '../helpers/mcp-clients.js';
import { waitFor } from '../helpers/wait-for.js';

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return structured((await client.callTool({ name, arguments: args })) as CallToolResult);
}

async function runState(client: Client, uri: string): Promise<{ state: string; tasks: { id: string; state: string }[] }> {
  const result = await client.readResource({ uri });
  const content = result.contents[0] as { text?: string };
  return JSON.parse(String(content.text)) as { state: string; tasks: { id: string; state: string }[] };
}

async function refusal(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof McpError, `expected an MCP error, got ${String(error)}`);
  return error;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOverBothTransports('run resource subscriptions', (connect, transport) => {
  const ns = `subs${transport}`;
  let client: Client;
  /** Updated URIs in the order they came, each with the run's state read as the note arrived. */
  const updates: { uri: string; state: Promise<string> }[] = [];
  const updatesOf = (uri: string) => updates.filter((u) => u.uri === uri).length;

  before(async () => {
    client = await connect();
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      const { uri } = n.params;
      updates.push({ uri, state: runState(client, uri).then((r) => r.state) });
    });
    await call(client, 'save_flow', {
      flow: `id: gated\nnamespace: ${ns}\ntasks:\n  - { id: first, type: sleep, duration: 1s }\n  - { id: gate, type: approval, message: "go on?", approvers: any }\n  - { id: last, type: set, values: { v: 2 } }\n`,
    });
    await call(client, 'save_flow', { flow: `id: nap\nnamespace: ${ns}\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n` });
  });

  it('advertises resources.subscribe', () => {
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
  });

  it('notifies on each state change of a subscribed run, the last when it ends, then nothing more', async () => {
    const { runId } = await call(client, 'run_flow', { flow: `${ns}/gated` });
    const uri = `weft://runs/${runId}`;
    await client.subscribeResource({ uri });
    // The first task sleeps a second, so the subscription is taken before the run reaches its
    // approval, and a notification comes after which a read shows it waiting.
    const statesOf = () => Promise.all(updates.filter((u) => u.uri === uri).map((u) => u.state));
    await waitFor('a notification that the run waits on its approval', async () => ((await statesOf()).includes('WAITING') ? true : undefined), 20_000, 50);
    const beforeAnswer = updatesOf(uri);
    await call(client, 'respond_to_approval', { runId, taskId: 'gate', approved: true });
    await waitFor('a notification after the answer', async () => (updatesOf(uri) > beforeAnswer ? true : undefined), 5000, 20);
    await waitFor('the run to end', async () => ((await runState(client, uri)).state === 'COMPLETED' ? true : undefined), 20_000, 50);
    // The end itself is notified: wait for quiet, then the last read after the last note is final.
    let seen = -1;
    while (seen !== updatesOf(uri)) {
      seen = updatesOf(uri);
      await pause(600);
    }
    const final = await runState(client, uri);
    assert.equal(final.state, 'COMPLETED');
    assert.deepEqual(
      final.tasks.map((t) => [t.id, t.state]),
      [
        ['first', 'COMPLETED'],
        ['gate', 'COMPLETED'],
        ['last', 'COMPLETED'],
      ],
    );
    const states = await statesOf();
    assert.equal(states.at(-1), 'COMPLETED', `the end was notified (${states.join(', ')})`);
    assert.ok(states.length <= 8, `one notification per change, not per poll (${states.join(', ')})`);
  });

  it('sends nothing more after unsubscribe', async () => {
    const { runId } = await call(client, 'run_flow', { flow: `${ns}/gated` });
    const uri = `weft://runs/${runId}`;
    await client.subscribeResource({ uri });
    await waitFor('the run to wait on its approval', async () => ((await runState(client, uri)).state === 'WAITING' ? true : undefined), 20_000, 50);
    await pause(400);
    await client.unsubscribeResource({ uri });
    const count = updatesOf(uri);
    await call(client, 'respond_to_approval', { runId, taskId: 'gate', approved: true });
    await waitFor('the run to end', async () => ((await runState(client, uri)).state === 'COMPLETED' ? true : undefined), 20_000, 50);
    await pause(600);
    assert.equal(updatesOf(uri), count, 'no notification once unsubscribed');
  });

  it('refuses URIs that cannot be watched: -32002 for an unknown run, -32602 naming the valid form for others', async () => {
    const unknown = await refusal(client.subscribeResource({ uri: `weft://runs/${ns}.nope-00000000` }));
    assert.equal(unknown.code, -32002);
    const other = await refusal(client.subscribeResource({ uri: 'weft://docs/flow-spec' }));
    assert.equal(other.code, -32602);
    assert.match(other.message, /params\.uri must be weft:\/\/runs\/<runId>/);
  });

  it(`watches at most ${MAX_SUBSCRIPTIONS_PER_SESSION} runs per session`, async () => {
    const runIds: string[] = [];
    for (let i = 0; i <= MAX_SUBSCRIPTIONS_PER_SESSION; i++) runIds.push(String((await call(client, 'run_flow', { flow: `${ns}/nap` })).runId));
    try {
      for (const runId of runIds.slice(0, MAX_SUBSCRIPTIONS_PER_SESSION)) await client.subscribeResource({ uri: `weft://runs/${runId}` });
      // Subscribing again to a watched run is no new watch.
      await client.subscribeResource({ uri: `weft://runs/${runIds[0]}` });
      const over = await refusal(client.subscribeResource({ uri: `weft://runs/${runIds.at(-1)}` }));
      assert.equal(over.code, -32602);
      assert.match(over.message, new RegExp(`already watches ${MAX_SUBSCRIPTIONS_PER_SESSION} runs.*unsubscribe from one first`));
      await client.unsubscribeResource({ uri: `weft://runs/${runIds[0]}` });
      await client.subscribeResource({ uri: `weft://runs/${runIds.at(-1)}` });
    } finally {
      for (const runId of runIds) {
        await client.unsubscribeResource({ uri: `weft://runs/${runId}` }).catch(() => undefined);
        await call(client, 'cancel_run', { runId, force: true });
      }
    }
  });
});
