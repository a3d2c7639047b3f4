// What callers see of a run under a concurrency limit, through the run service: the start result
// is the run's real state (RUNNING, QUEUED, CANCELLED, FAILED), get and list show QUEUED with
// what it waits for, and a run that waited starts (startedAt) when it got its slot.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlowService } from '../../src/services/flow-service.js';
import { RunService } from '../../src/services/run-service.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('run state under a concurrency limit', () => {
  let env: TestEnv;
  let store: Store;
  let runs: RunService;
  let http: TestHttpServer;
  let open = true;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    store = await openStore({ dataDir: env.dataDir });
    const flows = new FlowService(store);
    await env.close();
    env = await createTestEnv({ flows });
    runs = new RunService(env.client, flows, env.taskQueue);
    http = await startHttpServer();
    http.route('/gate', async (_req, res) => {
      while (open) await delay(20);
      json(res, 200, {});
    });
    for (const onLimit of ['queue', 'cancel', 'fail']) {
      await flows.save(
        `id: one-${onLimit}\nnamespace: lim\nconcurrency: { limit: 1, onLimit: ${onLimit} }\ntasks:\n  - { id: get, type: http, url: "${http.url}/gate" }\n`,
      );
    }
  });
  after(async () => {
    open = false;
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
});
