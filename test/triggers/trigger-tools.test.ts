// The trigger surfaces over a real MCP SDK client (in-memory transport) and real services:
// save_flow creates the Schedule, list_triggers and operate_trigger operate it, and get_run of a
// fired run shows its trigger and event.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { scheduleIdOf } from '../../src/services/triggers/schedule-names.js';
import { structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { triggerMcpClient } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

describe('list_triggers and operate_trigger over MCP', () => {
  let env: TestEnv;
  let client: Client;
  const namespace = `mcp-trig-${randomUUID().slice(0, 8)}`;
  const ref = `${namespace}/ticker`;

  before(async () => {
    env = await createTestEnv();
    client = await triggerMcpClient(env);
  });

  after(async () => {
    await client?.close();
    await env.client.schedule
      .getHandle(scheduleIdOf(ref, 'tick'))
      .delete()
      .catch(() => undefined);
    await env.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

  it('saves a flow whose schedule fires, lists and operates the trigger, and get_run shows trigger and event', async () => {
    const flow = `id: ticker
namespace: ${namespace}
inputs: [{ id: at, type: string }]
tasks: [{ id: say, type: log, message: "at {{ inputs.at }}" }]
triggers:
  - { id: tick, type: schedule, every: 1s, inputs: { at: "{{ trigger.scheduledAt }}" } }
`;
    structured(await call('save_flow', { flow }));
    const listed = structured<{ triggers: Array<{ id: string; paused: boolean; lastFire?: { scheduledAt: string; runId: string } }> }>(
      await waitFor('a fire in list_triggers', async () => {
        const result = await call('list_triggers', { flow: ref });
        return structured<{ triggers: Array<{ lastFire?: unknown }> }>(result).triggers[0]?.lastFire ? result : undefined;
      }),
    );
    const [tick] = listed.triggers;
    assert.equal(tick?.paused, false);
    const lastFire = tick?.lastFire;
    assert.ok(lastFire);
    const run = structured<{ trigger: string; event: { id: string; scheduledAt: string }; inputs: { at: string }; revision: number; flow: string }>(
      await call('get_run', { runId: lastFire.runId, waitSeconds: 20 }),
    );
    assert.equal(run.flow, ref);
    assert.equal(run.trigger, 'schedule');
    assert.equal(run.revision, 1);
    assert.deepEqual(run.event, { id: 'tick', scheduledAt: lastFire.scheduledAt });
    assert.equal(run.inputs.at, lastFire.scheduledAt);

    const paused = structured<{ trigger: { paused: boolean } }>(await call('operate_trigger', { flow: ref, triggerId: 'tick', action: 'pause' }));
    assert.equal(paused.trigger.paused, true);
    assert.equal(structured<{ triggers: Array<{ paused: boolean }> }>(await call('list_triggers', { flow: ref })).triggers[0]?.paused, true);
    const preview = structured<{ trigger: { fires: Array<{ at: string }> } }>(
      await call('operate_trigger', { flow: ref, triggerId: 'tick', action: 'preview', count: 3 }),
    );
    assert.equal(preview.trigger.fires.length, 3);
    const to = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const dry = structured<{ backfill: { runs: number; started: boolean } }>(
      await call('operate_trigger', {
        flow: ref,
        triggerId: 'tick',
        action: 'backfill',
        from: new Date(to.getTime() - 9_000).toISOString(),
        to: to.toISOString(),
        dryRun: true,
      }),
    );
    assert.deepEqual(dry.backfill, { runs: 10, started: false });

    const unknown = await call('operate_trigger', { flow: ref, triggerId: 'tock', action: 'pause' });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /has no trigger "tock"/);
    assert.match(textOf(unknown), /triggers of .*: tick/);
    structured(await call('delete_flow', { flow: ref }));
  });

  it('lists the triggers of every flow without a flow, each naming its flow, paged; a namespace-bound caller sees its namespace only', async () => {
    const [teamA, teamB] = [`${namespace}-a`, `${namespace}-b`];
    const hooks = (ns: string, id: string, triggers: string[]) =>
      `id: ${id}\nnamespace: ${ns}\ntasks: [{ id: say, type: log, message: hi }]\n${triggers.length ? `triggers:\n${triggers.map((t) => `  - { id: ${t}, type: webhook, token: HOOK_TOKEN }\n`).join('')}` : ''}`;
    for (const flow of [hooks(teamA, 'one', ['h1', 'h2']), hooks(teamA, 'quiet', []), hooks(teamB, 'two', ['h3', 'h4'])])
      structured(await call('save_flow', { flow }));
    const ours = (triggers: Array<{ flow?: string; id: string }>) =>
      triggers.filter((t) => t.flow?.startsWith(`${namespace}-`)).map((t) => `${t.flow}#${t.id}`);
    const expected = [`${teamA}/one#h1`, `${teamA}/one#h2`, `${teamB}/two#h3`, `${teamB}/two#h4`];

    const all = structured<{ triggers: Array<{ flow?: string; id: string; type: string; enabled: boolean; paused: boolean }>; nextCursor?: string }>(
      await call('list_triggers', {}),
    );
    assert.deepEqual(ours(all.triggers), expected);
    assert.deepEqual(
      all.triggers.find((t) => t.flow === `${teamB}/two`),
      { flow: `${teamB}/two`, id: 'h3', type: 'webhook', enabled: true, paused: false },
      'the same item as a flow’s own listing, with its flow',
    );
    assert.equal(all.nextCursor, undefined);

    const paged: Array<{ flow?: string; id: string }> = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = structured<{ triggers: Array<{ flow?: string; id: string }>; nextCursor?: string }>(
        await call('list_triggers', { limit: 1, ...(cursor ? { cursor } : {}) }),
      );
      assert.ok(page.triggers.length <= 1);
      paged.push(...page.triggers);
      cursor = page.nextCursor;
      if (cursor) cursors.push(cursor);
      assert.ok(paged.length < 100, 'the pages end');
    } while (cursor);
    assert.deepEqual(ours(paged), expected, 'pages of one list every trigger once, in order');

    const bound = await triggerMcpClient(env, teamA);
    try {
      const callBound = async (args: Record<string, unknown>) => (await bound.callTool({ name: 'list_triggers', arguments: args })) as CallToolResult;
      const seen = structured<{ triggers: Array<{ flow?: string; id: string }> }>(await callBound({}));
      assert.deepEqual(
        seen.triggers.map((t) => `${t.flow}#${t.id}`),
        [`${teamA}/one#h1`, `${teamA}/one#h2`],
      );
      const foreign = await callBound({ flow: `${teamB}/two` });
      assert.equal(foreign.isError, true);
      // A cursor that resumes inside another namespace's flow is not this caller's to use.
      const intoB = cursors.find((c) => Buffer.from(c, 'base64url').toString('utf8').includes(teamB));
      assert.ok(intoB, 'a page stopped in the other namespace');
      const refused = await callBound({ cursor: intoB });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /INVALID_CURSOR/);
    } finally {
      await bound.close();
    }
    for (const flow of [`${teamA}/one`, `${teamA}/quiet`, `${teamB}/two`]) structured(await call('delete_flow', { flow }));
  });
});
