// Schedule triggers on real Temporal Schedules (the suite's dev server) with a real worker and
// store: fired runs see run.event, saves update the one Schedule in place, pause survives a save,
// backfill starts the count it shows, a deleted flow loses its Schedule, and reconciliation mends
// a stray and a missing Schedule.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import type { FlowRunInput, FlowRunResult } from '../../src/core/runs/run-types.js';
import { WEFT_FLOW, WEFT_TRIGGER } from '../../src/core/runs/search-attributes.js';
import { FlowService } from '../../src/services/flow-service.js';
import { RunService } from '../../src/services/run-service.js';
import { storeIdentity } from '../../src/services/temporal/store-identity.js';
import { scheduleIdOf } from '../../src/services/triggers/schedule-names.js';
import { TriggerService } from '../../src/services/triggers/trigger-service.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const NS = 'trig';

function tickerYaml(id: string, options: { every?: string; description?: string; extra?: string } = {}): string {
  return `id: ${id}
namespace: ${NS}
description: ${options.description ?? 'ticks'}
inputs: [{ id: at, type: string }]
tasks:
  - { id: show, type: log, message: "fired for {{ inputs.at }}" }
outputs:
  at: "{{ inputs.at }}"
  event: "{{ run.event }}"
  trigger: "{{ run.trigger }}"
  revision: "{{ run.revision }}"
triggers:
  - id: tick
    type: schedule
    every: ${options.every ?? '1s'}
    inputs: { at: "{{ trigger.scheduledAt }}" }
${options.extra ?? ''}`;
}

async function recentActions(client: Client, scheduleId: string) {
  return (await client.schedule.getHandle(scheduleId).describe()).info.recentActions;
}

async function exists(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).describe();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

describe('schedule triggers on Temporal Schedules', () => {
  let env: TestEnv;
  let flows: FlowService;
  let triggers: TriggerService;
  let runs: RunService;
  const made: string[] = [];

  before(async () => {
    env = await createTestEnv();
    flows = new FlowService(env.store);
    triggers = new TriggerService(env.client, flows, { namespace: 'default', taskQueue: env.taskQueue, storeId: await storeIdentity(env.store) });
    flows.observe(triggers);
    runs = new RunService(env.client, flows, env.taskQueue);
  });

  after(async () => {
    // A failed test must not leave a Schedule firing into the shared dev server.
    for (const id of made)
      await env.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await env.close();
  });

  const newFlow = () => {
    const id = `tick-${randomUUID().slice(0, 8)}`;
    made.push(scheduleIdOf(`${NS}/${id}`, 'tick'), scheduleIdOf(`${NS}/${id}`, 'tick', 'backfill'));
    return id;
  };

  it('fires a run every second that sees run.trigger schedule and run.event { id, scheduledAt }', async () => {
    const id = newFlow();
    await flows.save(tickerYaml(id));
    const scheduleId = scheduleIdOf(`${NS}/${id}`, 'tick');
    const actions = await waitFor('two fires', async () => {
      const recent = await recentActions(env.client, scheduleId);
      return recent.length >= 2 ? recent : undefined;
    });
    for (const action of actions.slice(0, 2)) {
      const result = (await env.client.workflow.getHandle(action.action.workflow.workflowId).result()) as FlowRunResult;
      assert.equal(result.outputs.trigger, 'schedule');
      assert.deepEqual(result.outputs.event, { id: 'tick', scheduledAt: action.scheduledAt.toISOString() });
      assert.equal(result.outputs.at, action.scheduledAt.toISOString(), 'the trigger inputs saw trigger.scheduledAt');
      assert.equal(result.outputs.revision, 1);
    }
    await flows.delete(`${NS}/${id}`);
  });

  it('keeps one Schedule and one run per fire time while the flow is saved three times as it fires', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    const scheduleId = scheduleIdOf(ref, 'tick');
    await flows.save(tickerYaml(id));
    // Every start Temporal records, by nominal fire time, gathered as the saves happen.
    const starts = new Map<string, Set<string>>();
    const gather = async () => {
      const recent = await recentActions(env.client, scheduleId);
      for (const a of recent) {
        const key = a.scheduledAt.toISOString();
        starts.set(key, (starts.get(key) ?? new Set()).add(a.action.workflow.workflowId));
      }
      return recent.length;
    };
    for (const revision of [2, 3, 4]) {
      // Each save lands while the Schedule fires: wait for one more fire, then save.
      const seen = await gather();
      await waitFor('another fire', async () => ((await gather()) > seen ? true : undefined));
      const saved = await flows.save(tickerYaml(id, { description: `revision ${revision}` }));
      assert.equal(saved.revision, revision);
    }
    // A fire just before a save may already run the new revision (a fired run resolves the latest
    // one), so the fourth fire is waited for rather than assumed.
    const latest = await waitFor('a fire of revision 4, after four fires', async () => {
      await gather();
      if (starts.size < 4) return undefined;
      const last = (await recentActions(env.client, scheduleId)).at(-1);
      if (!last) return undefined;
      const result = (await env.client.workflow.getHandle(last.action.workflow.workflowId).result()) as FlowRunResult;
      return result.outputs.revision === 4 ? result : undefined;
    });
    assert.equal(latest.outputs.trigger, 'schedule');
    assert.ok(starts.size >= 4, `fires seen: ${starts.size}`);
    for (const [at, ids] of starts) assert.equal(ids.size, 1, `fire time ${at} started ${[...ids].join(', ')}`);
    // Temporal's own list of Schedules holds this flow's one (visibility lags a moment).
    const mine = await waitFor('the Schedule in the list', async () => {
      const ids: string[] = [];
      for await (const schedule of env.client.schedule.list()) if (schedule.scheduleId.startsWith(`weft/${ref}/`)) ids.push(schedule.scheduleId);
      return ids.length ? ids : undefined;
    });
    assert.deepEqual(mine, [scheduleId]);
    await flows.delete(ref);
    assert.equal(await exists(env.client, scheduleId), false, 'deleting the flow removed its Schedule');
  });

  it('pauses: no fire while paused, the paused state survives a save, and resume fires again', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    const scheduleId = scheduleIdOf(ref, 'tick');
    await flows.save(tickerYaml(id));
    await waitFor('a first fire', async () => ((await recentActions(env.client, scheduleId)).length > 0 ? true : undefined));
    await triggers.pause(ref, 'tick');
    await flows.save(tickerYaml(id, { description: 'saved while paused' }));
    const described = await env.client.schedule.getHandle(scheduleId).describe();
    assert.equal(described.state.paused, true, 'a save kept the paused state');
    const [view] = await triggers.list(ref);
    assert.equal(view?.paused, true);
    const count = (await recentActions(env.client, scheduleId)).length;
    // A negative observation needs a span: three fire intervals in which Temporal would have fired.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await recentActions(env.client, scheduleId)).length, count, 'a paused Schedule fired');
    await triggers.resume(ref, 'tick');
    await waitFor('a fire after resume', async () => ((await recentActions(env.client, scheduleId)).length > count ? true : undefined));
    await flows.delete(ref);
  });

  it('backfills a past hour: shows the count first, then starts that many runs with run.trigger backfill', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    await flows.save(tickerYaml(id, { every: '10m' }));
    const tenMinutes = 600_000;
    const to = new Date(Math.floor(Date.now() / tenMinutes) * tenMinutes - tenMinutes);
    const from = new Date(to.getTime() - 3_600_000);
    const dry = await triggers.backfill(ref, 'tick', { from, to, dryRun: true });
    assert.equal(dry.started, false);
    assert.equal(dry.runs, 7, 'a past hour of a 10m schedule, both ends included, holds 7 fire times');
    const done = await triggers.backfill(ref, 'tick', { from, to });
    assert.equal(done.started, true);
    assert.equal(done.runs, dry.runs);
    const companion = scheduleIdOf(ref, 'tick', 'backfill');
    // Done when Temporal's buffer of backfilled starts is empty and none is running.
    const actions = await waitFor(`${dry.runs} backfilled runs`, async () => {
      const { info, raw } = await env.client.schedule.getHandle(companion).describe();
      const idle = Number(raw.info?.bufferSize ?? 0) === 0 && info.runningActions.length === 0;
      return idle && info.recentActions.length >= dry.runs ? info.recentActions : undefined;
    });
    assert.deepEqual(
      actions.map((a) => a.scheduledAt.toISOString()),
      dry.fireTimes,
      JSON.stringify(actions.map((a) => [a.scheduledAt, a.takenAt, a.action.workflow.workflowId])),
    );
    for (const action of actions) {
      const result = (await env.client.workflow.getHandle(action.action.workflow.workflowId).result()) as FlowRunResult;
      assert.equal(result.outputs.trigger, 'backfill');
      assert.equal((result.outputs.event as { scheduledAt: string }).scheduledAt, action.scheduledAt.toISOString());
    }
    await flows.delete(ref);
    assert.equal(await exists(env.client, companion), false, 'deleting the flow removed the backfill companion');
  });

  it('previews the next fire times in the zone, warning where a clock change skips a local time', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    await flows.save(
      tickerYaml(id, { every: '1h' })
        .replace('every: 1h', 'cron: "30 2 * * 0"\n    timezone: Europe/Paris')
        .replace('inputs: { at: "{{ trigger.scheduledAt }}" }', 'inputs: { at: x }'),
    );
    const preview = await triggers.preview(ref, 'tick', 30);
    assert.equal(preview.fires.length, 30);
    assert.equal(preview.timezone, 'Europe/Paris');
    assert.ok(
      preview.fires.every((f) => f.local.endsWith('02:30:00') || f.local.endsWith('03:30:00')),
      JSON.stringify(preview.fires),
    );
    const skipped = preview.warnings.find((w) => w.kind === 'skipped');
    assert.ok(skipped, `no skipped-time warning in ${JSON.stringify(preview.warnings)}`);
    assert.match(skipped.message, /02:30 does not exist in Europe\/Paris/);
    const [view] = await triggers.list(ref);
    assert.equal(view?.paused, false);
    assert.equal(view?.nextFires?.length, 5);
    await flows.delete(ref);
  });

  it('starts nothing of the flow when when is false, and keeps no Schedule for a disabled trigger', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    const extra = '  - { id: off, type: schedule, every: 1s, enabled: false, inputs: { at: x } }\n';
    await flows.save(
      tickerYaml(id, { extra }).replace('type: schedule\n    every: 1s', 'type: schedule\n    every: 1s\n    when: "{{ trigger.id == \'never\' }}"'),
    );
    const scheduleId = scheduleIdOf(ref, 'tick');
    const [action] = await waitFor('a fire', async () => {
      const recent = await recentActions(env.client, scheduleId);
      return recent.length ? recent : undefined;
    });
    const runId = action?.action.workflow.workflowId ?? '';
    const result = (await env.client.workflow.getHandle(runId).result()) as FlowRunResult;
    assert.deepEqual(result, { state: 'COMPLETED', outputs: {}, tasks: [] }, 'no task ran');
    // Temporal had to start a workflow; Weft's lists do not show it as a run.
    const closed = await waitFor('the closed fire in visibility', async () => {
      for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${runId}' AND ExecutionStatus = 'Completed'` })) return wf;
      return undefined;
    });
    assert.equal(closed.typedSearchAttributes.get(WEFT_FLOW), undefined, 'the fire that started nothing carries no WeftFlow');
    assert.deepEqual((await runs.list({ flow: ref })).runs, [], 'list_runs shows no run of the flow');
    assert.equal(await exists(env.client, scheduleIdOf(ref, 'off')), false);
    const views = await triggers.list(ref);
    assert.deepEqual(
      views.map((v) => [v.id, v.enabled]),
      [
        ['tick', true],
        ['off', false],
      ],
    );
    await flows.delete(ref);
  });

  it('carries the saved revision in its Schedule: a fire reads no flow before its first task, and a flow trigger saved later fires from the next fire', async () => {
    const id = newFlow();
    const ref = `${NS}/${id}`;
    const downRef = `${NS}/down-${randomUUID().slice(0, 8)}`;
    await flows.save(tickerYaml(id));
    const scheduleId = scheduleIdOf(ref, 'tick');
    const carried = async () => ((await env.client.schedule.getHandle(scheduleId).describe()).action as { args?: unknown[] }).args?.[0] as FlowRunInput;
    const first = await carried();
    assert.deepEqual([first.flow.id, first.revision, first.fire?.carried, first.downstream], [id, 1, true, undefined]);

    const [action] = await waitFor('a fire', async () => {
      const recent = await recentActions(env.client, scheduleId);
      return recent.length ? recent : undefined;
    });
    const runId = action?.action.workflow.workflowId ?? '';
    await env.client.workflow.getHandle(runId).result();
    const markers = ((await env.client.workflow.getHandle(runId).fetchHistory()).events ?? []).flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) => (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString())),
    );
    assert.ok(!markers.some((m) => m.includes('resolveFlow')), 'the fired run resolved no flow in a local activity');

    await flows.save(
      `id: ${downRef.split('/')[1]}\nnamespace: ${NS}\ntasks:\n  - { id: note, type: log, message: after }\ntriggers:\n  - { id: after, type: flow, flows: [${ref}] }\n`,
    );
    const updated = await carried();
    assert.deepEqual([updated.revision, updated.downstream], [1, true], 'the upstream Schedule carries that a flow trigger listens now');
    const downstream = await waitFor(
      'a run of the downstream flow',
      async () => {
        for await (const wf of env.client.workflow.list({ query: `WeftFlow = '${downRef}'` })) return wf;
        return undefined;
      },
      30_000,
    );
    assert.equal(downstream.typedSearchAttributes.get(WEFT_TRIGGER), 'flow');
    await flows.delete(ref);
    await flows.delete(downRef);
  });

  it('runs the example of docs/flows.md: its Schedule fires on weekdays at 06:00 in Europe/Paris', async () => {
    const guide = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'flows.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## Triggers'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const namespace = `doc-${randomUUID().slice(0, 8)}`;
    const ref = `${namespace}/weekday-digest`;
    made.push(scheduleIdOf(ref, 'mornings'));
    await flows.save(example.replace('namespace: team.data', `namespace: ${namespace}`));
    const [view] = await triggers.list(ref);
    assert.equal(view?.id, 'mornings');
    assert.equal(view?.paused, false);
    const preview = await triggers.preview(ref, 'mornings', 10);
    for (const fire of preview.fires) {
      // Temporal's own fire times, its jitter (30s here, fixed per fire time) included.
      const seconds = Number(/ 06:00:(\d\d)$/.exec(fire.local)?.[1] ?? 99);
      assert.ok(seconds <= 30, `${fire.local} is 06:00 plus at most the 30s jitter`);
      const weekday = new Date(fire.at).toLocaleDateString('en-US', { timeZone: 'Europe/Paris', weekday: 'short' });
      assert.ok(!['Sat', 'Sun'].includes(weekday), `${fire.at} is a ${weekday}`);
    }
    await flows.delete(ref);
    assert.equal(await exists(env.client, scheduleIdOf(ref, 'mornings')), false);
  });

  it('reconciles at start: a stray Schedule is deleted and a missing one is created', async () => {
    const missingId = newFlow();
    const strayId = newFlow();
    // A crash after the store write: the flow is saved, its Schedule never created.
    await new FlowService(env.store).save(tickerYaml(missingId, { every: '1h' }));
    // A crash after the store's delete: the Schedule stays behind (made as Weft makes them).
    await flows.save(tickerYaml(strayId, { every: '1h' }));
    await new FlowService(env.store).delete(`${NS}/${strayId}`);
    const strayScheduleId = scheduleIdOf(`${NS}/${strayId}`, 'tick');
    const missingScheduleId = scheduleIdOf(`${NS}/${missingId}`, 'tick');
    assert.equal(await exists(env.client, strayScheduleId), true);
    assert.equal(await exists(env.client, missingScheduleId), false);
    // Temporal lists Schedules from visibility, which lags a moment behind their creation.
    await waitFor('the stray in the Schedule list', async () => {
      for await (const s of env.client.schedule.list()) if (s.scheduleId === strayScheduleId) return true;
      return undefined;
    });
    const report = await triggers.reconcile();
    assert.ok(report.deleted.includes(strayScheduleId), JSON.stringify(report));
    assert.ok(report.upserted.includes(missingScheduleId), JSON.stringify(report));
    assert.equal(await exists(env.client, strayScheduleId), false);
    assert.equal(await exists(env.client, missingScheduleId), true);
    await flows.delete(`${NS}/${missingId}`);
    assert.equal(await exists(env.client, missingScheduleId), false);
  });
});
