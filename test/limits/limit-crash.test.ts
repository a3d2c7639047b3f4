// Kills the worker (SIGKILL) while one run holds its flow's only slot and others wait QUEUED:
// a new worker finishes every run, in order, never two at once, and no run is lost or doubled.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

describe('limits: a worker crash while runs hold and wait', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    server = await startHttpServer();
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('loses no place in line and leaks no slot', { timeout: 240_000 }, async () => {
    let killed = false;
    server.route('/crash', async (_req, res) => {
      // Before the kill a request is held (its run holds the slot; the task's timeout outlasts the
      // wait on a loaded machine); afterwards answered soon.
      while (!killed) await delay(50);
      await delay(100);
      json(res, 200, {});
    });
    const flow = flowFrom(`
id: crash-${randomUUID().slice(0, 8)}
inputs: [{ id: n, type: string }]
concurrency: { limit: 1 }
tasks:
  - id: call
    type: http
    url: "${server.url}/crash?n={{ inputs.n }}"
    timeout: 5m
`);
    const workerEnv = { WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir };
    const first = spawnWorker(workerEnv);
    // Each run starts once the one before holds the slot or waits QUEUED. Started together, the
    // first run to reach the free slot would hold it, whatever its start time; only those that
    // wait are ordered by start time, so the test would not know which run holds.
    const runIds: string[] = [];
    for (let n = 0; n < 4; n++) {
      const { runId } = await startRun(env.client, { flow, inputs: { n: String(n) }, taskQueue: env.taskQueue });
      runIds.push(runId);
      if (n === 0) {
        await waitFor('run 0 to hold the slot', async () => (server.requests.some((r) => r.url.endsWith('n=0')) ? true : undefined), 60_000);
      } else {
        await waitFor(`run ${n} to wait QUEUED`, async () => ((await getRunningView(env.client, runId)).state === 'QUEUED' ? true : undefined), 60_000);
      }
    }
    await first.kill('SIGKILL');
    killed = true;
    const second = spawnWorker(workerEnv);
    try {
      const views = await Promise.all(runIds.map((id) => waitForRun(env.client, id)));
      for (const view of views) assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
      const order = server.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('n'));
      // Run 0's request was in flight at the kill: its activity may run once more (at-least-once I/O).
      const distinct = order.filter((n, i) => order.indexOf(n) === i);
      assert.deepEqual(distinct, ['0', '1', '2', '3'], `requests in order ${order}`);
      for (const n of ['1', '2', '3']) assert.equal(order.filter((x) => x === n).length, 1, `run ${n} requested more than once: ${order}`);
      assert.equal(server.maxInFlight.get('/crash'), 1, 'two runs held the slot at once');
    } finally {
      await second.kill('SIGTERM');
    }
  });
});
