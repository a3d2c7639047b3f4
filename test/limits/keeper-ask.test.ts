// How runs ask a limit's keeper: by update, so a free slot is the reply itself (no signal, no
// workflow task more for the run), with a process's asks beyond three in flight together in one
// update. The keeper's answers by signal go in batches from one activity, and releases given at
// once go together. A run's slot is given back by its worker after its last activation.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { type KeeperView, keeperId, LIMIT_KEEPER, type LimitTarget, type SlotRequest } from '../../src/core/runs/limit-types.js';
import { askKeeper, giveSlotBack } from '../../src/services/limits/keeper-client.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv, temporalAddress } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

type HistoryEvent = Record<string, unknown>;

async function eventsOf(env: TestEnv, workflowId: string): Promise<HistoryEvent[]> {
  return ((await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []) as unknown as HistoryEvent[];
}

describe('asking a limit keeper', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  let open = false;
  before(async () => {
    env = await createTestEnv();
    server = await startHttpServer();
    server.route('/fast', (_req, res) => json(res, 200, {}));
    server.route('/gate', async (_req, res) => {
      while (!open) await delay(20);
      json(res, 200, {});
    });
  });
  after(async () => {
    open = true;
    await server.close();
    await env.close();
  });

  it("a free slot is the ask's reply: the run gets no signal, the keeper took an update, the worker gave it back", async () => {
    const flow = flowFrom(`id: free-${randomUUID().slice(0, 8)}\nconcurrency: { limit: 1 }\ntasks:\n  - { id: call, type: http, url: "${server.url}/fast" }\n`);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    assert.equal((await waitForRun(env.client, runId)).state, 'COMPLETED');
    const run = await eventsOf(env, runId);
    assert.equal(run.filter((e) => e.workflowExecutionSignaledEventAttributes).length, 0, 'no slotAnswer signal reached the run');
    // Asked, got its answer and scheduled its task in its first workflow task.
    const firstCompleted = run.findIndex((e) => e.workflowTaskCompletedEventAttributes);
    const scheduled = run.findIndex((e) => e.activityTaskScheduledEventAttributes);
    assert.ok(scheduled > firstCompleted && run.slice(firstCompleted + 1, scheduled).every((e) => !e.workflowTaskScheduledEventAttributes));
    const keeper = await eventsOf(env, keeperId({ kind: 'flow', flow: `${flow.namespace}/${flow.id}` }, env.taskQueue));
    const asks = keeper.filter(
      (e) =>
        (e.workflowExecutionUpdateAcceptedEventAttributes as { acceptedRequest?: { input?: { name?: string } } } | undefined)?.acceptedRequest?.input?.name ===
        LIMIT_KEEPER.askManyUpdate,
    );
    assert.equal(asks.length, 1);
    assert.equal(keeper.filter((e) => e.workflowExecutionSignaledEventAttributes).length, 1, 'only the release came by signal');
    // The release is the worker's, after the run's last activation: the run's one local step is its ask.
    const localSteps = run.filter((e) => (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_local_activity');
    assert.equal(localSteps.length, 1);
  });

  it('past three asks in flight from one process, the others go together in one update; the line is in start order; answers and releases go in batches', async () => {
    // Open runs to stand for the asking runs: the keeper's signals must reach a workflow that exists.
    const holderFlow = flowFrom(`id: holder-${randomUUID().slice(0, 8)}\ntasks:\n  - { id: wait, type: http, url: "${server.url}/gate" }\n`);
    const holders = await Promise.all(Array.from({ length: 12 }, () => startRun(env.client, { flow: holderFlow, taskQueue: env.taskQueue })));
    const target: LimitTarget = { kind: 'flow', flow: `test/keeper-${randomUUID().slice(0, 8)}` };
    const requests: SlotRequest[] = holders.map(({ runId }, n) => ({
      requestId: `${runId}|flow`,
      runId,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)).toISOString(),
      onLimit: 'queue',
      size: 2,
    }));
    // In reverse start order, so the line's order is the keeper's doing, not the asks'.
    const replies = await Promise.all([...requests].reverse().map((request) => askKeeper(env.client, env.taskQueue, target, request)));
    assert.deepEqual([...replies].sort(), [...Array(2).fill('granted'), ...Array(10).fill('queued')], `every reply came by update: ${replies.join(' ')}`);
    const keeper = env.client.workflow.getHandle(keeperId(target, env.taskQueue));
    const updates = (await eventsOf(env, keeper.workflowId)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(updates.length, 4, 'three asks went alone, the nine that waited in one update');
    const view = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
    assert.equal(view.holders.length, 2);
    assert.deepEqual(
      view.queue.map((r) => r.startedAt),
      [...view.queue.map((r) => r.startedAt)].sort(),
      'the line is in start order, whichever order the asks came in',
    );
    // Asking again (a retried step) takes no second place and gets the same answer.
    const holding = view.holders[0] as SlotRequest;
    assert.equal(await askKeeper(env.client, env.taskQueue, target, holding), 'granted');
    const waiting = view.queue[0] as SlotRequest;
    assert.equal(await askKeeper(env.client, env.taskQueue, target, waiting), 'queued');
    const again = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
    assert.equal(again.holders.length + again.queue.length, requests.length);
    // A release grants the head of the line.
    await giveSlotBack(env.client, env.taskQueue, target, holding.requestId);
    await waitFor('the head of the line to hold', async () => {
      const seen = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
      return seen.holders.some((h) => h.requestId === waiting.requestId) ? true : undefined;
    });
    // Give back both slots in one signal at a time until nobody waits: the two grants each brings
    // go out together.
    await waitFor('every request to have held and given back', async () => {
      const seen = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
      if (seen.holders.length === 0 && seen.queue.length === 0) return true;
      await keeper.signal(LIMIT_KEEPER.releaseManySignal, { requestIds: seen.holders.map((h) => h.requestId) });
      return undefined;
    });
    // Releases from one process given at once: the first goes alone, the others wait for it and go together.
    await Promise.all(requests.map((r) => giveSlotBack(env.client, env.taskQueue, target, r.requestId)));
    // Each queued run heard its grant by signal, from the keeper's answer step, not by a signal
    // command of the keeper's own; answers and releases given at once went together.
    await waitFor('every queued run to hear its grant', async () => {
      const heard = await Promise.all(
        requests.map(async ({ runId }) => (await eventsOf(env, runId)).filter((e) => signalName(e) === LIMIT_KEEPER.answerSignal).length),
      );
      return heard.filter((n) => n === 1).length === 10 && heard.every((n) => n <= 1) ? true : undefined;
    });
    const keeperEvents = await eventsOf(env, keeper.workflowId);
    assert.equal(keeperEvents.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes).length, 0, 'the keeper sent no signal command');
    const steps = keeperEvents.filter(
      (e) => (e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined)?.activityType?.name === 'deliverAnswers',
    ).length;
    assert.ok(steps >= 1 && steps < 10, `answers went in batches: ${steps} answer steps for 10 grants`);
    const releases = keeperEvents.filter((e) => signalName(e) === LIMIT_KEEPER.releaseSignal || signalName(e) === LIMIT_KEEPER.releaseManySignal);
    const last = releases.at(-1)?.workflowExecutionSignaledEventAttributes as { signalName: string; input: { payloads: { data: Uint8Array }[] } };
    assert.equal(last.signalName, LIMIT_KEEPER.releaseManySignal);
    const carried = JSON.parse(Buffer.from(last.input.payloads[0]?.data ?? []).toString()) as { requestIds: string[] };
    assert.equal(carried.requestIds.length, 11, 'twelve releases at once: one alone, the eleven that waited in one signal');
    open = true;
    for (const { runId } of holders) assert.equal((await waitForRun(env.client, runId)).state, 'COMPLETED');
  });

  it('a holder that continues as new keeps its slot; its end in the next execution frees it', async () => {
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    const taskQueue = `continuing-${randomUUID()}`;
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: join(import.meta.dirname, 'workflows', 'continuing-holder.ts') });
    const running = worker.run();
    try {
      const holder = await env.client.workflow.start('continuingHolder', { taskQueue, workflowId: `holder-${randomUUID()}`, args: [0] });
      const target: LimitTarget = { kind: 'flow', flow: `test/continuing-${randomUUID().slice(0, 8)}` };
      const request: SlotRequest = {
        requestId: `${holder.workflowId}|flow`,
        runId: holder.workflowId,
        startedAt: new Date().toISOString(),
        onLimit: 'queue',
        size: 1,
      };
      assert.equal(await askKeeper(env.client, env.taskQueue, target, request), 'granted');
      const keeper = env.client.workflow.getHandle(keeperId(target, env.taskQueue));
      const holding = async () => (await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery)).holders.map((h) => h.requestId);
      // Past the age at which the keeper watches a holder (2 s), so the watch sees the continue-as-new.
      await waitFor('the keeper to watch the holder', async () => {
        const events = await eventsOf(env, keeper.workflowId);
        return events.some(
          (e) => (e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined)?.activityType?.name === 'waitForRunEnd',
        )
          ? true
          : undefined;
      });
      await holder.signal('next');
      await waitFor('the holder to continue as new', async () => ((await holder.describe()).runId !== holder.firstExecutionRunId ? true : undefined));
      await delay(3000);
      assert.deepEqual(await holding(), [request.requestId], 'the slot is still held after the continue-as-new');
      await holder.signal('next');
      await waitFor('the slot freed after the holder ended', async () => ((await holding()).length === 0 ? true : undefined), 10_000);
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });
});

function signalName(event: HistoryEvent): string | undefined {
  return (event.workflowExecutionSignaledEventAttributes as { signalName?: string } | undefined)?.signalName;
}
