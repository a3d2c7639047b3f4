// Named limits on a real dev server: a limit of 2 over a foreach of 10 in each of two concurrent
// runs never has more than 2 requests in flight at a loopback server; waiting tasks are QUEUED
// while their run stays RUNNING; list shows holders and waiters; a removed limit lets waiters go.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { keeperLink, LimitService } from '../../src/services/limits/limit-service.js';
import { LimitStore } from '../../src/services/limits/limit-store.js';
import { getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

function limitedFlow(id: string, url: string, limit: string) {
  return flowFrom(`
id: ${id}
tasks:
  - id: each
    type: foreach
    items: "{{ [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }}"
    concurrency: 10
    tasks:
      - id: call
        type: http
        url: "${url}?i={{ item }}"
        limits: [${limit}]
`);
}

describe('named limits', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  let limits: LimitService;
  before(async () => {
    env = await createTestEnv();
    server = await startHttpServer();
    limits = new LimitService(new LimitStore(env.store), async () => keeperLink(env.client, env.taskQueue));
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('a limit of 2 over a foreach of 10 in each of two concurrent runs never has more than 2 at once', async () => {
    const name = `api-${randomUUID().slice(0, 8)}`;
    await limits.set(name, 2);
    server.route('/limited', async (_req, res) => {
      await delay(80);
      json(res, 200, {});
    });
    const flow = limitedFlow(`named-${randomUUID().slice(0, 8)}`, `${server.url}/limited`, name);
    const runs = await Promise.all([0, 1].map(() => startRun(env.client, { flow, taskQueue: env.taskQueue })));
    // While they run: tasks wait QUEUED with what they wait for, the runs stay RUNNING.
    const live = await waitFor('a task QUEUED for the limit', async () => {
      const view = await getRunningView(env.client, runs[0]?.runId ?? '');
      return view.tasks.some((t) => t.state === 'QUEUED') ? view : undefined;
    });
    assert.equal(live.state, 'RUNNING');
    assert.equal(live.tasks.find((t) => t.state === 'QUEUED')?.waitingFor, `limit ${name}`);
    const [listed] = await limits.list(name);
    assert.equal(listed?.limit, 2);
    assert.ok((listed?.inUse ?? 0) <= 2);
    const views = await Promise.all(runs.map((r) => waitForRun(env.client, r.runId)));
    for (const view of views) assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    assert.equal(server.requests.filter((r) => r.url.startsWith('/limited')).length, 20);
    assert.equal(server.maxInFlight.get('/limited'), 2);
    const [after] = await limits.list(name);
    assert.equal(after?.inUse, 0);
    assert.equal(after?.waiting, 0);
  });

  it('a limit removed while tasks wait lets them all go on', async () => {
    const name = `gate-${randomUUID().slice(0, 8)}`;
    await limits.set(name, 1);
    const held: Array<() => void> = [];
    server.route(
      '/gate',
      (_req, res) =>
        new Promise<void>((resolve) =>
          held.push(() => {
            json(res, 200, {});
            resolve();
          }),
        ),
    );
    const flow = limitedFlow(`gate-${randomUUID().slice(0, 8)}`, `${server.url}/gate`, name);
    const run = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    await waitFor('one request in flight', async () => (held.length === 1 ? true : undefined));
    const [listed] = await limits.list(name);
    assert.deepEqual(listed?.holders, [run.runId]);
    assert.equal(listed?.waiting, 9);
    await limits.remove(name);
    await waitFor('the other nine to go on', async () => (held.length === 10 ? true : undefined));
    for (const release of held) release();
    assert.equal((await waitForRun(env.client, run.runId)).state, 'COMPLETED');
  });

  it('warns about a limit name with no limit set', async () => {
    const name = `typo-${randomUUID().slice(0, 8)}`;
    const warnings = await limits.warnings(limitedFlow('warned', 'http://127.0.0.1:1/x', name));
    assert.deepEqual(warnings, [
      { path: 'tasks[0].tasks[0].limits[0]', message: `limit ${name} is not set, so it is unlimited; set it with weft limit set ${name} <n>` },
    ]);
  });
});
