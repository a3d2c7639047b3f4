// How runs ask a limit's keeper: by update while few asks are in flight, so a free slot is the
// reply itself (no signal, no workflow task more for the run), and by signal past that bound,
// with the keeper's line the same whichever way a request came. The keeper's answers by signal
// go in batches from one activity. A run's slot is given back by its worker after its last
// activation.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { askKeeper } from '../../activities/limit-activities.js';
import { type KeeperView, keeperId, LIMIT_KEEPER, type LimitTarget, type SlotRequest } from '../../src/core/runs/limit-types.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
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
        LIMIT_KEEPER.askUpdate,
    );
    assert.equal(asks.length, 1);
    assert.equal(keeper.filter((e) => e.workflowExecutionSignaledEventAttributes).length, 1, 'only the release came by signal');
    // The release is the worker's, after the run's last activation: the run's one local step is its ask.
    const localSteps = run.filter((e) => (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_local_activity');
    assert.equal(localSteps.length, 1);
  });

  it('past three asks in flight from one process, asks go by signal; the line is one, in start order', async () => {
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
    const replies = await Promise.all(requests.map((request, n) => askKeeper(env.client, env.taskQueue, target, request, `test:${n}`)));
    assert.equal(replies.filter((r) => r !== 'later').length, 3, `three replies by update, the rest by signal: ${replies.join(' ')}`);
    assert.ok(replies.slice(3).every((r) => r === 'later'));
    const keeper = env.client.workflow.getHandle(keeperId(target, env.taskQueue));
    const view = await waitFor('every request to reach the keeper', async () => {
      const seen = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
      return seen.holders.length + seen.queue.length === requests.length ? seen : undefined;
    });
    assert.equal(view.holders.length, 2);
    assert.deepEqual(
      [...view.holders, ...view.queue].map((r) => r.startedAt).sort(),
      requests.map((r) => r.startedAt),
    );
    assert.deepEqual(
      view.queue.map((r) => r.startedAt),
      [...view.queue.map((r) => r.startedAt)].sort(),
      'the line is in start order, whichever way each request came',
    );
    // Asking again (a retried step) takes no second place and gets the same answer.
    const holding = view.holders[0] as SlotRequest;
    assert.equal(await askKeeper(env.client, env.taskQueue, target, holding, 'test:again'), 'granted');
    const waiting = view.queue[0] as SlotRequest;
    assert.equal(await askKeeper(env.client, env.taskQueue, target, waiting, 'test:again-queued'), 'queued');
    const after = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
    assert.equal(after.holders.length + after.queue.length, requests.length);
    // A release grants the head of the line.
    await keeper.signal(LIMIT_KEEPER.releaseSignal, { requestId: holding.requestId });
    await waitFor('the head of the line to hold', async () => {
      const seen = await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery);
      return seen.holders.some((h) => h.requestId === waiting.requestId) ? true : undefined;
    });
    // Answers by signal went out from the keeper's answer step, in batches: no signal command of
    // its own, and every run asked by signal heard it was queued or granted.
    const answered = await waitFor('every run asked by signal to hear its answer', async () => {
      const heard = await Promise.all(
        holders.slice(3).map(async ({ runId }) => (await eventsOf(env, runId)).some((e) => signalName(e) === LIMIT_KEEPER.answerSignal)),
      );
      return heard.every(Boolean) ? heard : undefined;
    });
    assert.equal(answered.length, 9);
    const keeperEvents = await eventsOf(env, keeper.workflowId);
    assert.equal(keeperEvents.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes).length, 0, 'the keeper sent no signal command');
    const steps = keeperEvents.filter(
      (e) => (e.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined)?.activityType?.name === 'deliverAnswers',
    );
    assert.ok(steps.length >= 1 && steps.length < 10, `answers went in batches: ${steps.length} answer steps for 10 answers`);
    open = true;
    for (const { runId } of holders) assert.equal((await waitForRun(env.client, runId)).state, 'COMPLETED');
  });
});

function signalName(event: HistoryEvent): string | undefined {
  return (event.workflowExecutionSignaledEventAttributes as { signalName?: string } | undefined)?.signalName;
}
