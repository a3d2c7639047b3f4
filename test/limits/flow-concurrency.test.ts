// Flow concurrency on a real dev server: runs over the limit wait QUEUED first in, first out, or
// end CANCELLED / FAILED at once; a key gives each value its own limit; a cancelled QUEUED run
// ends CANCELLED without its finally tasks. Overlap is counted at a loopback HTTP server.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

/** A held request is answered when the test releases it (by its `n`), so a test decides when a run ends. */
function holdingRoute(server: TestHttpServer, prefix: string) {
  const held = new Map<string, ServerResponse>();
  const arrived: string[] = [];
  server.route(prefix, (req, res) => {
    const n = new URL(req.url, 'http://x').searchParams.get('n') ?? '';
    arrived.push(n);
    held.set(n, res);
    return new Promise<void>((resolve) => res.once('finish', () => resolve()));
  });
  return {
    arrived,
    release(n: string) {
      const res = held.get(n);
      if (res) json(res, 200, { n });
    },
  };
}

function concurrencyFlow(id: string, url: string, concurrency: string, extra = ''): ReturnType<typeof flowFrom> {
  return flowFrom(`
id: ${id}
inputs:
  - { id: n, type: string }
  - { id: customer, type: string, default: none }
concurrency: ${concurrency}
tasks:
  - id: call
    type: http
    url: "${url}?n={{ inputs.n }}"
${extra}`);
}

describe('flow concurrency', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  before(async () => {
    env = await createTestEnv();
    server = await startHttpServer();
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('limit 1 over 5 runs: no two overlap, first in first out, every run completes', async () => {
    server.route('/fifo', async (_req, res) => {
      await delay(150);
      json(res, 200, {});
    });
    const flow = concurrencyFlow(`fifo-${randomUUID().slice(0, 8)}`, `${server.url}/fifo`, '{ limit: 1 }');
    const runIds: string[] = [];
    // First in is by start time; each run is started once the one before has its place (queued
    // or holding), since two starts a few ms apart may reach their first workflow task in either order.
    const requested = (n: number) => server.requests.some((r) => r.url.startsWith(`/fifo?n=${n}`));
    for (let n = 0; n < 5; n++) {
      const { runId } = await startRun(env.client, { flow, inputs: { n: String(n) }, taskQueue: env.taskQueue });
      runIds.push(runId);
      await waitFor(`run ${n} to hold or wait for the slot`, async () => {
        if (requested(n)) return true;
        const state = (await getRunningView(env.client, runId).catch(() => undefined))?.state;
        return state === 'QUEUED' || state === 'COMPLETED' ? true : undefined;
      });
    }
    const views = await Promise.all(runIds.map((id) => waitForRun(env.client, id)));
    for (const view of views) assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    assert.equal(server.maxInFlight.get('/fifo'), 1);
    const order = server.requests.filter((r) => r.url.startsWith('/fifo')).map((r) => new URL(r.url, 'http://x').searchParams.get('n'));
    assert.deepEqual(order, ['0', '1', '2', '3', '4']);
  });

  it('shows a waiting run QUEUED with what it waits for, and a cancelled QUEUED run ends CANCELLED at once without finally', async () => {
    const hold = holdingRoute(server, '/queued');
    const flow = concurrencyFlow(
      `queued-${randomUUID().slice(0, 8)}`,
      `${server.url}/queued`,
      '{ limit: 1 }',
      `finally:
  - id: cleanup
    type: http
    url: "${server.url}/cleanup?n={{ inputs.n }}"`,
    );
    server.route('/cleanup', (_req, res) => json(res, 200, {}));
    const first = await startRun(env.client, { flow, inputs: { n: 'a' }, taskQueue: env.taskQueue });
    await waitFor('the first run to hold the slot', async () => (hold.arrived.includes('a') ? true : undefined));
    const second = await startRun(env.client, { flow, inputs: { n: 'b' }, taskQueue: env.taskQueue });
    const queued = await waitFor('the second run to be QUEUED', async () => {
      const view = await getRunningView(env.client, second.runId);
      return view.state === 'QUEUED' ? view : undefined;
    });
    assert.match(queued.waitingFor ?? '', /^concurrency of default\/queued-/);
    const cancelledAt = Date.now();
    await env.client.workflow.getHandle(second.runId).cancel();
    const view = await waitForRun(env.client, second.runId);
    assert.equal(view.state, 'CANCELLED');
    assert.ok(Date.now() - cancelledAt < 3000, 'a QUEUED run ends at once');
    hold.release('a');
    assert.equal((await waitForRun(env.client, first.runId)).state, 'COMPLETED');
    const cleanups = server.requests.filter((r) => r.url.startsWith('/cleanup')).map((r) => r.url);
    assert.deepEqual(cleanups, ['/cleanup?n=a'], 'the cancelled QUEUED run ran no finally task');
  });

  it('onLimit cancel ends a run over the limit CANCELLED, onLimit fail ends it FAILED with ConcurrencyLimitReached', async () => {
    for (const onLimit of ['cancel', 'fail'] as const) {
      const hold = holdingRoute(server, `/${onLimit}`);
      const flow = concurrencyFlow(`${onLimit}-${randomUUID().slice(0, 8)}`, `${server.url}/${onLimit}`, `{ limit: 1, onLimit: ${onLimit} }`);
      const first = await startRun(env.client, { flow, inputs: { n: '1' }, taskQueue: env.taskQueue });
      await waitFor('the first run to hold the slot', async () => (hold.arrived.includes('1') ? true : undefined));
      const second = await startRun(env.client, { flow, inputs: { n: '2' }, taskQueue: env.taskQueue });
      const view = await waitForRun(env.client, second.runId);
      if (onLimit === 'cancel') assert.equal(view.state, 'CANCELLED');
      else {
        assert.equal(view.state, 'FAILED');
        assert.equal(view.error?.type, 'ConcurrencyLimitReached');
        assert.match(view.error?.message ?? '', /at its limit of 1 and onLimit is fail/);
      }
      assert.deepEqual(hold.arrived, ['1'], 'the refused run made no request');
      hold.release('1');
      assert.equal((await waitForRun(env.client, first.runId)).state, 'COMPLETED');
    }
  });

  it('a key gives each value its own limit', async () => {
    const hold = holdingRoute(server, '/keyed');
    const flow = concurrencyFlow(`keyed-${randomUUID().slice(0, 8)}`, `${server.url}/keyed`, '{ limit: 1, key: "{{ inputs.customer }}" }');
    const acme1 = await startRun(env.client, { flow, inputs: { n: 'acme1', customer: 'acme' }, taskQueue: env.taskQueue });
    const globex = await startRun(env.client, { flow, inputs: { n: 'globex', customer: 'globex' }, taskQueue: env.taskQueue });
    await waitFor('both keys to hold a slot', async () => (hold.arrived.includes('acme1') && hold.arrived.includes('globex') ? true : undefined));
    const acme2 = await startRun(env.client, { flow, inputs: { n: 'acme2', customer: 'acme' }, taskQueue: env.taskQueue });
    await waitFor('the second acme run to be QUEUED', async () => ((await getRunningView(env.client, acme2.runId)).state === 'QUEUED' ? true : undefined));
    assert.ok(!hold.arrived.includes('acme2'));
    hold.release('acme1');
    await waitFor('the second acme run to get the slot', async () => (hold.arrived.includes('acme2') ? true : undefined));
    hold.release('acme2');
    hold.release('globex');
    for (const run of [acme1, globex, acme2]) assert.equal((await waitForRun(env.client, run.runId)).state, 'COMPLETED');
  });

  it('a terminated holder frees its slot within 10 s', async () => {
    const hold = holdingRoute(server, '/terminated');
    const flow = concurrencyFlow(`term-${randomUUID().slice(0, 8)}`, `${server.url}/terminated`, '{ limit: 1 }');
    const first = await startRun(env.client, { flow, inputs: { n: 'x' }, taskQueue: env.taskQueue });
    await waitFor('the first run to hold the slot', async () => (hold.arrived.includes('x') ? true : undefined));
    const second = await startRun(env.client, { flow, inputs: { n: 'y' }, taskQueue: env.taskQueue });
    await waitFor('the second run to be QUEUED', async () => ((await getRunningView(env.client, second.runId)).state === 'QUEUED' ? true : undefined));
    const terminatedAt = Date.now();
    await env.client.workflow.getHandle(first.runId).terminate('test: a holder that runs no more code');
    await waitFor('the second run to get the slot', async () => (hold.arrived.includes('y') ? true : undefined), 10_000, 50);
    const freedMs = Date.now() - terminatedAt;
    assert.ok(freedMs < 10_000, `freed after ${freedMs} ms`);
    hold.release('x');
    hold.release('y');
    assert.equal((await waitForRun(env.client, second.runId)).state, 'COMPLETED');
    process.stderr.write(`[limits] a terminated holder's slot was freed after ${freedMs} ms\n`);
  });
});
