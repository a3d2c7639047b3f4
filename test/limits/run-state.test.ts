// What callers see of a run under a concurrency limit, through the run service: the start result
// is the run's real state (RUNNING, QUEUED, CANCELLED, FAILED), get and list show QUEUED with
// what it waits for, and a run that waited starts (startedAt) when it got its slot. A free slot is
// taken by the service before the start, and the run holds it without asking.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KeeperView, keeperId, LIMIT_KEEPER } from '../../src/core/runs/limit-types.js';
import { FlowService } from '../../src/services/flow-service.js';
import { RunService } from '../../src/services/run-service.js';
import { askSlotAtStart } from '../../src/services/runs/run-slot-at-start.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('run state under a concurrency limit', () => {
  let env: TestEnv;
  let store: Store;
  let runs: RunService;
  let flows: FlowService;
  let http: TestHttpServer;
  let open = true;
  let freeGate = true;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    store = await openStore({ dataDir: env.dataDir });
    flows = new FlowService(store);
    await env.close();
    env = await createTestEnv({ flows });
    runs = new RunService(env.client, flows, env.taskQueue);
    http = await startHttpServer();
    http.route('/gate', async (_req, res) => {
      while (open) await delay(20);
      json(res, 200, {});
    });
    http.route('/free-gate', async (_req, res) => {
      while (freeGate) await delay(20);
      json(res, 200, {});
    });
    await flows.save(`id: free\nnamespace: lim\nconcurrency: { limit: 1 }\ntasks:\n  - { id: get, type: http, url: "${http.url}/free-gate" }\n`);
    for (const onLimit of ['queue', 'cancel', 'fail']) {
      await flows.save(
        `id: one-${onLimit}\nnamespace: lim\nconcurrency: { limit: 1, onLimit: ${onLimit} }\ntasks:\n  - { id: get, type: http, url: "${http.url}/gate" }\n`,
      );
    }
  });
  after(async () => {
    open = false;
    freeGate = false;
    await http.close();
    await env.close();
    await store.close();
  });

  it('answers the start with the real state and shows a QUEUED run in get and list', async () => {
    const first = await runs.start({ flow: 'lim/one-queue' });
    assert.equal(first.state, 'RUNNING');
    const second = await runs.start({ flow: 'lim/one-queue' });
    assert.equal(second.state, 'QUEUED');
    const detail = await runs.get(second.runId);
    assert.equal(detail.state, 'QUEUED');
    assert.equal(detail.waitingFor, 'concurrency of lim/one-queue');
    const listed = await waitFor('list_runs to show the QUEUED run', async () => {
      const page = await runs.list({ flow: 'lim/one-queue', state: 'QUEUED' });
      return page.runs.length === 1 ? page.runs : undefined;
    });
    assert.equal(listed[0]?.runId, second.runId);
    assert.equal(listed[0]?.state, 'QUEUED');
    const running = await runs.list({ flow: 'lim/one-queue', state: 'RUNNING' });
    assert.deepEqual(
      running.runs.map((r) => r.runId),
      [first.runId],
    );

    for (const onLimit of ['cancel', 'fail'] as const) {
      const refused = await runs.start({ flow: `lim/one-${onLimit}` });
      // The holder of this flow's slot is the first run of it; a second is refused.
      if (refused.state === 'RUNNING') {
        const over = await runs.start({ flow: `lim/one-${onLimit}` });
        assert.equal(over.state, onLimit === 'cancel' ? 'CANCELLED' : 'FAILED');
        if (onLimit === 'fail') assert.equal((await runs.get(over.runId)).error?.type, 'ConcurrencyLimitReached');
      } else assert.fail(`the first run of one-${onLimit} should run, got ${refused.state}`);
    }

    const queuedAt = Date.now();
    await delay(300);
    open = false;
    assert.equal(await runs.waitForClose(second.runId), 'COMPLETED');
    const done = await runs.get(second.runId);
    assert.ok(Date.parse(done.startedAt) >= queuedAt, `startedAt ${done.startedAt} is when the slot was granted, not when the run was queued`);
  });

  it('takes a free slot at the start: the run holds it without asking and gives it back at its end', async () => {
    const keeper = env.client.workflow.getHandle(keeperId({ kind: 'flow', flow: 'lim/free' }, env.taskQueue));
    const holders = async () => (await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery)).holders.map((h) => h.requestId);
    const first = await runs.start({ flow: 'lim/free', idempotencyKey: 'free-first' });
    assert.equal(first.state, 'RUNNING');
    // The slot the service asked for: had the run asked again, limit 1 would have queued it behind it.
    const held = await holders();
    assert.equal(held.length, 1);
    assert.ok(held[0]?.startsWith(`${first.runId}|start-`), `held: ${held[0]}`);
    await waitFor('the run to call the gate', async () => (http.requests.some((r) => r.url === '/free-gate') ? true : undefined));

    // A repeated start attaches to the first run and leaves no second slot behind.
    const again = await runs.start({ flow: 'lim/free', idempotencyKey: 'free-first' });
    assert.deepEqual([again.runId, again.started, again.state], [first.runId, false, 'RUNNING']);
    await waitFor('the repeat to give its slot back', async () => ((await holders()).length === 1 ? true : undefined));
    assert.deepEqual(await holders(), held);

    // No slot free: the run asks for its own and waits in line.
    const second = await runs.start({ flow: 'lim/free' });
    assert.equal(second.state, 'QUEUED');
    freeGate = false;
    assert.equal(await runs.waitForClose(first.runId), 'COMPLETED');
    assert.equal(await runs.waitForClose(second.runId), 'COMPLETED');
    await waitFor('every slot to be given back', async () => ((await holders()).length === 0 ? true : undefined));
  });

  it('frees a slot asked at the start of a run that never started (the asking service died) within seconds', async () => {
    const { spec } = await flows.get('lim/free');
    const keeper = env.client.workflow.getHandle(keeperId({ kind: 'flow', flow: 'lim/free' }, env.taskQueue));
    const slot = await askSlotAtStart(env.client, env.taskQueue, spec, 'lim.free-never-started');
    assert.equal(slot?.granted, true);
    const asked = Date.now();
    await waitFor('the keeper to free the slot of a run that does not exist', async () =>
      (await keeper.query<KeeperView>(LIMIT_KEEPER.slotsQuery)).holders.length === 0 ? true : undefined,
    );
    assert.ok(Date.now() - asked < 10_000, `freed after ${Date.now() - asked} ms`);
  });
});
