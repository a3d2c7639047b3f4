import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidCursorError } from '../../src/services/cursor.js';
import { FlowService } from '../../src/services/flow-service.js';
import { IdempotencyConflictError, RunNotFoundError, RunService } from '../../src/services/run-service.js';
import { waitForRunEnd } from '../../src/services/run-waiter.js';
import type { Store } from '../../src/services/store/database.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { openTestStore } from '../helpers/stores.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('run service on a real Temporal server', () => {
  let store: Store;
  let flows: FlowService;
  let env: TestEnv;
  let runs: RunService;
  let http: TestHttpServer;
  before(async () => {
    store = await openTestStore('sqlite');
    flows = new FlowService(store);
    env = await createTestEnv({ flows });
    runs = new RunService(env.client, flows, env.taskQueue);
    http = await startHttpServer();
    http.route('/ok', (_req, res) => json(res, 200, { ok: true }));
    await flows.save(
      `id: double\nnamespace: svc\ninputs: [{ id: n, type: integer }]\ntasks:\n  - { id: calc, type: set, values: { v: "{{ inputs.n * 2 }}" } }\noutputs: { v: "{{ outputs.calc.v }}" }\n`,
    );
    await flows.save(
      `id: gated\nnamespace: svc\ntasks:\n  - { id: get, type: http, url: "${http.url}/ok" }\n  - { id: ok, type: approval, message: "fine?", approvers: any }\noutputs: { approved: "{{ outputs.ok.approved }}" }\n`,
    );
    await flows.save(`id: waits\nnamespace: svc\ntasks:\n  - { id: get, type: http, url: "${http.url}/ok" }\n  - { id: nap, type: sleep, duration: 1h }\n`);
  });
  after(async () => {
    await env.close();
    await store.close();
    await http.close();
  });

  it('starts a saved flow, shows it WAITING with its approval, and returns outputs, inputs and revision when done', async () => {
    const { runId, started } = await runs.start({ flow: 'svc/gated' });
    assert.equal(started, true);
    assert.match(runId, /^svc\.gated-/);
    const waiting = await waitFor('the approval', async () => {
      const run = await runs.get(runId);
      return run.state === 'WAITING' ? run : undefined;
    });
    assert.deepEqual(
      waiting.approvals.map((a) => [a.taskId, a.message]),
      [['ok', 'fine?']],
    );
    await runs.respondToApproval(runId, { taskId: 'ok', approved: true, by: 'agent', approver: 'agent' });
    const done = await waitFor('completion', async () => {
      const run = await runs.get(runId);
      return run.state === 'COMPLETED' ? run : undefined;
    });
    assert.equal(done.flow, 'svc/gated');
    assert.equal(done.revision, 1);
    assert.deepEqual(done.outputs, { approved: true });
    assert.ok(done.endedAt);
  });

  it('attaches a repeated idempotency key to the same run and refuses the key with other inputs', async () => {
    const first = await runs.start({ flow: 'svc/double', inputs: { n: 2 }, idempotencyKey: 'order-17' });
    const again = await runs.start({ flow: 'svc/double', inputs: { n: 2 }, idempotencyKey: 'order-17' });
    assert.deepEqual(again, { runId: first.runId, started: false });
    await assert.rejects(runs.start({ flow: 'svc/double', inputs: { n: 3 }, idempotencyKey: 'order-17' }), IdempotencyConflictError);
    await waitFor('completion', async () => ((await runs.get(first.runId)).state === 'COMPLETED' ? true : undefined));
    assert.deepEqual(await runs.start({ flow: 'svc/double', inputs: { n: 2 }, idempotencyKey: 'order-17' }), { runId: first.runId, started: false });
  });

  it('shows the timeline of a cancelled run: the completed task, the one cancelled in flight, and finally', async () => {
    await flows.save(
      `id: cancelled\nnamespace: svc\ntasks:\n  - { id: get, type: http, url: "${http.url}/ok" }\n  - { id: calc, type: set, values: { v: 7 } }\n  - { id: nap, type: sleep, duration: 1h }\nfinally:\n  - { id: cleanup, type: log, message: "cleaned up" }\n`,
    );
    const { runId } = await runs.start({ flow: 'svc/cancelled' });
    await waitFor('the sleep', async () => ((await runs.get(runId)).tasks.some((t) => t.id === 'nap' && t.state === 'WAITING') ? true : undefined));
    await runs.cancel(runId);
    const view = await waitFor('the end', async () => {
      const run = await runs.get(runId);
      return run.state === 'CANCELLED' ? run : undefined;
    });
    assert.deepEqual(
      view.tasks.map((t) => [t.id, t.state]),
      [
        ['get', 'COMPLETED'],
        ['calc', 'COMPLETED'],
        ['nap', 'CANCELLED'],
        ['cleanup', 'COMPLETED'],
      ],
    );
    // What the completed tasks produced stays readable: from history (http) and the worker (set).
    assert.deepEqual((view.taskOutputs?.get as { body?: unknown } | undefined)?.body, { ok: true });
    assert.deepEqual(view.taskOutputs?.calc, { v: 7 });
    assert.equal(view.outputs, undefined);
  });

  it('shows the timeline of a terminated run, its task in flight CANCELLED with why', async () => {
    const { runId } = await runs.start({ flow: 'svc/waits' });
    await waitFor('the sleep', async () => ((await runs.get(runId)).tasks.some((t) => t.id === 'nap' && t.state === 'WAITING') ? true : undefined));
    await runs.cancel(runId, { force: true, reason: 'test' });
    const view = await runs.get(runId);
    assert.equal(view.state, 'TERMINATED');
    assert.deepEqual(
      view.tasks.map((t) => [t.id, t.type, t.state]),
      [
        ['get', 'http', 'COMPLETED'],
        ['nap', 'sleep', 'CANCELLED'],
      ],
    );
    const nap = view.tasks[1];
    assert.deepEqual(nap?.error, { type: 'RunEnded', message: 'the run was terminated while this task was WAITING' });
    assert.equal(nap?.endedAt, view.endedAt);
  });

  it("gives a failed run's completed task outputs, and pages a task's output", async () => {
    await flows.save(
      `id: breaks\nnamespace: svc\ninputs: [{ id: blob, type: string }]\ntasks:\n  - { id: keep, type: set, values: { blob: "{{ inputs.blob }}" } }\n  - { id: stop, type: fail, message: "on purpose" }\noutputs: { blob: "{{ outputs.keep.blob }}" }\n`,
    );
    const blob = 'x'.repeat(45_000);
    const { runId } = await runs.start({ flow: 'svc/breaks', inputs: { blob } });
    const view = await waitFor('the failure', async () => {
      const run = await runs.get(runId);
      return run.state === 'FAILED' ? run : undefined;
    });
    assert.equal(view.error?.taskId, 'stop');
    assert.deepEqual(view.taskOutputs, { keep: { blob } });
    let text = '';
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await runs.taskOutputPage(runId, 'keep', undefined, cursor);
      assert.equal(page.found, true);
      assert.equal(page.offset, Buffer.byteLength(text));
      text += page.text ?? '';
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(JSON.parse(text), { blob });
    const small = await runs.taskOutputPage(runId, 'keep', undefined, undefined, 100_000);
    assert.deepEqual(small.value, { blob });
    assert.equal((await runs.taskOutputPage(runId, 'stop', undefined, undefined)).found, false);
  });

  it('waits for a run to close and says how it ended; a failing foreach iteration is named in the run error', async () => {
    await flows.save(
      `id: picky\nnamespace: svc\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    tasks:\n      - { id: check, type: fail, when: "{{ item == 2 }}", message: "two is refused" }\n`,
    );
    const ok = await runs.start({ flow: 'svc/double', inputs: { n: 4 } });
    const bad = await runs.start({ flow: 'svc/picky', inputs: { items: [1, 2, 3] } });
    assert.deepEqual(await Promise.all([runs.waitForClose(ok.runId), runs.waitForClose(bad.runId)]), ['COMPLETED', 'FAILED']);
    const failed = await runs.get(bad.runId);
    assert.deepEqual(failed.error, { taskId: 'check', iteration: [1], type: 'FlowFailed', message: 'two is refused' });
    await assert.rejects(runs.waitForClose('svc.nothing-here'), RunNotFoundError);
  });

  it('long-polls a run for its close: true once it closed, false when stopped first or for a run that is not there', async () => {
    await flows.save('id: naps\nnamespace: svc\ntasks:\n  - { id: nap, type: sleep, duration: 1s }\n');
    const { runId } = await runs.start({ flow: 'svc/naps' });
    const started = Date.now();
    assert.equal(await runs.closeEventSeen(runId, new AbortController().signal), true);
    assert.ok(Date.now() - started >= 900, 'answered once the 1 s sleep was over, not before');
    assert.equal(await runs.isClosed(runId), true);

    const open = await runs.start({ flow: 'svc/waits' });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    assert.equal(await runs.closeEventSeen(open.runId, stop.signal), false);
    await runs.cancel(open.runId, { force: true });
    assert.equal(await runs.closeEventSeen('svc.nothing-here', new AbortController().signal), false);

    // The wait built on it: the run's detail once it ended, each task reported once.
    const next = await runs.start({ flow: 'svc/naps' });
    const reported: string[] = [];
    const detail = await waitForRunEnd(runs, next.runId, 30_000, { onTaskFinished: (task) => void reported.push(`${task.id} ${task.state}`) });
    assert.equal(detail.state, 'COMPLETED');
    assert.deepEqual(reported, ['nap COMPLETED']);
  });

  it("refuses a cursor of another list as a run page's cursor", async () => {
    const flowPage = await flows.list({ limit: 1 });
    assert.ok(flowPage.nextCursor, 'a flow page cursor to hand over');
    await assert.rejects(runs.list({ cursor: flowPage.nextCursor }), (error: unknown) => error instanceof InvalidCursorError && error.kind === 'runs');
    await assert.rejects(runs.taskOutputPage('svc.any', 'task', undefined, flowPage.nextCursor), InvalidCursorError);
  });

  it('reads runs with no worker running: finished ones from the result and the history, a running one from history within a bound', async () => {
    const completed = await runs.start({ flow: 'svc/double', inputs: { n: 5 } });
    const terminated = await runs.start({ flow: 'svc/waits' });
    const sleeping = await runs.start({ flow: 'svc/waits' });
    await waitFor('the other sleep', async () => ((await runs.get(sleeping.runId)).tasks.some((t) => t.id === 'nap') ? true : undefined));
    await waitFor('completion', async () => ((await runs.get(completed.runId)).state === 'COMPLETED' ? true : undefined));
    await waitFor('the sleep', async () => ((await runs.get(terminated.runId)).tasks.some((t) => t.id === 'nap') ? true : undefined));
    assert.deepEqual(await runs.cancel(terminated.runId, { force: true, reason: 'test' }), { runId: terminated.runId, state: 'TERMINATED' });
    await env.stopWorker();
    const done = await runs.get(completed.runId);
    assert.deepEqual(done.outputs, { v: 10 });
    assert.deepEqual(done.inputs, { n: 5 });
    const stopped = await runs.get(terminated.runId);
    assert.equal(stopped.state, 'TERMINATED');
    assert.deepEqual(
      stopped.tasks.map((t) => [t.id, t.type, t.state]),
      [['get', 'http', 'COMPLETED']],
    );
    // With no worker to replay the run, a completed task's output still comes from history.
    assert.deepEqual((stopped.taskOutputs?.get as { body?: unknown } | undefined)?.body, { ok: true });
    await assert.rejects(runs.get('svc.nothing-here'), RunNotFoundError);
    // A running run whose worker is gone: no hang, the state, what history knows, and why.
    const asked = Date.now();
    const orphan = await runs.get(sleeping.runId);
    assert.ok(Date.now() - asked < 20_000, `the read took ${Date.now() - asked} ms`);
    assert.equal(orphan.state, 'RUNNING');
    assert.match(orphan.waitingFor ?? '', /^a worker: none answered within 10 s/);
    assert.deepEqual(
      orphan.tasks.map((t) => [t.id, t.state]),
      [['get', 'COMPLETED']],
    );
    await runs.cancel(sleeping.runId, { force: true, reason: 'test' });
    await env.close();
    env = await createTestEnv({ flows });
    runs = new RunService(env.client, flows, env.taskQueue);
  });

  it('lists 120+ runs by flow and state, page by page', async () => {
    const started = await Promise.all(Array.from({ length: 125 }, (_, i) => runs.start({ flow: 'svc/double', inputs: { n: i }, idempotencyKey: `bulk-${i}` })));
    const ids = new Set(started.map((s) => s.runId));
    await waitFor(
      'all runs to complete and be visible',
      async () => {
        const page = await runs.list({ flow: 'svc/double', state: 'COMPLETED', limit: 200 });
        return page.runs.filter((r) => ids.has(r.runId)).length === 125 ? true : undefined;
      },
      60_000,
      500,
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await runs.list({ flow: 'svc/double', state: 'COMPLETED', limit: 50, ...(cursor ? { cursor } : {}) });
      pages += 1;
      for (const run of page.runs) {
        assert.equal(run.flow, 'svc/double');
        assert.equal(run.state, 'COMPLETED');
        seen.push(run.runId);
      }
      cursor = page.nextCursor;
    } while (cursor);
    assert.ok(pages >= 3, `expected several pages, got ${pages}`);
    assert.equal(new Set(seen).size, seen.length, 'a run appeared on two pages');
    for (const id of ids) assert.ok(seen.includes(id), `${id} missing from the listing`);
    const none = await runs.list({ flow: 'svc/double', state: 'WAITING' });
    assert.equal(none.runs.length, 0);
  });
});
