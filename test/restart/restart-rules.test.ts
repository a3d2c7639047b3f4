// The reuse rule of a restart beyond a task list (flow-spec.md, Restart): other parallel
// branches, approvals (not asked again), subflows (not started again), foreach batches in child
// workflows; and each refusal with its code and hint.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryFlowCatalog } from '../../src/services/flows/flow-catalog.js';
import type { RunDetail, RunService } from '../../src/services/run-service.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

const hits = (server: TestHttpServer, path: string) => server.requests.filter((r) => r.url === path).length;

function task(detail: RunDetail, id: string, iteration?: number[]) {
  const found = detail.tasks.find((t) => t.id === id && JSON.stringify(t.iteration ?? []) === JSON.stringify(iteration ?? []));
  assert.ok(found, `no task run ${id}${iteration ? `[${iteration}]` : ''} in ${detail.runId}`);
  return found;
}

describe('restart reuse rules and refusals', () => {
  let env: TestEnv;
  let runs: RunService;
  let server: TestHttpServer;
  const broken = new Set<string>();
  const catalog = new MemoryFlowCatalog();

  const ended = async (runId: string) => {
    await runs.waitForClose(runId);
    return runs.get(runId);
  };
  const start = async (yaml: string, inputs: Record<string, unknown> = {}) =>
    (await runs.startUnsaved(flowFrom(yaml), yaml, { inputs: { base: server.url, ...inputs } })).runId;

  before(async () => {
    server = await startHttpServer();
    server.route('/', (req, res) => (broken.has(req.url) ? json(res, 500, { error: 'broken' }) : json(res, 200, { path: req.url })));
    catalog.add(flowFrom(`id: child\nnamespace: lib\ninputs: [{ id: url, type: string }]\ntasks:\n  - { id: call, type: http, url: "{{ inputs.url }}" }\n`));
    env = await createTestEnv({ flows: catalog });
    ({ runs } = await triggerServices(env));
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('reuses the parallel branches that completed beside the one that failed', async () => {
    const base = `id: branches\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - id: fan
    type: parallel
    tasks:
      - { id: left, type: http, url: "{{ inputs.base }}/par/left" }
      - { id: middle, type: http, url: "{{ inputs.base }}/par/middle" }
      - { id: right, type: http, url: "{{ inputs.base }}/par/right" }
  - { id: after_fan, type: http, url: "{{ inputs.base }}/par/after" }\n`;
    broken.add('/par/middle');
    const original = await ended(await start(base));
    assert.equal(original.error?.taskId, 'middle');
    broken.delete('/par/middle');
    const detail = await ended((await runs.restartRun({ runId: original.runId })).runId);
    assert.equal(detail.state, 'COMPLETED');
    assert.equal(task(detail, 'left').reusedFrom, original.runId);
    assert.equal(task(detail, 'right').reusedFrom, original.runId);
    assert.deepEqual(
      ['left', 'middle', 'right', 'after'].map((p) => hits(server, `/par/${p}`)),
      [1, 2, 1, 1],
    );
  });

  it('reuses an approval answered and a sleep slept before the restart point: no asking, no waiting again', async () => {
    const yaml = `id: gate\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: ok, type: approval, message: "ship it?", approvers: any }
  - { id: pause, type: sleep, duration: 2s }
  - { id: ship, type: http, url: "{{ inputs.base }}/gate/ship" }\n`;
    broken.add('/gate/ship');
    const runId = await start(yaml);
    await waitFor('the approval to wait', async () => ((await runs.get(runId)).approvals.length ? true : undefined));
    await runs.respondToApproval(runId, { taskId: 'ok', approved: true, by: 'tester', approver: 'agent' });
    const original = await ended(runId);
    assert.equal(original.error?.taskId, 'ship');
    broken.delete('/gate/ship');
    const restarted = await runs.restartRun({ runId });
    assert.deepEqual(restarted.reusable.sort(), ['ok', 'pause']);
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED', 'nobody answered: the approval was not asked again');
    assert.equal(task(detail, 'ok').reusedFrom, runId);
    assert.equal(task(detail, 'pause').reusedFrom, runId);
    const slept = Date.parse(task(detail, 'pause').endedAt ?? '') - Date.parse(task(detail, 'pause').startedAt ?? '');
    assert.ok(slept < 1000, `the reused sleep took ${slept} ms`);
  });

  it('reuses a subflow that completed: its child run is not started again', async () => {
    const yaml = `id: parent\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: sub, type: subflow, flow: lib/child, inputs: { url: "{{ inputs.base }}/sub/child" } }
  - { id: next, type: http, url: "{{ inputs.base }}/sub/next" }\n`;
    broken.add('/sub/next');
    const original = await ended(await start(yaml));
    assert.equal(original.error?.taskId, 'next');
    broken.delete('/sub/next');
    const detail = await ended((await runs.restartRun({ runId: original.runId })).runId);
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    assert.equal(task(detail, 'sub').reusedFrom, original.runId);
    assert.equal(hits(server, '/sub/child'), 1);
  });

  it('reuses iterations of a foreach that ran in batch child workflows', async () => {
    // 100 tasks an iteration make batches of 9 items: 20 items run in 3 child workflows.
    const sets = Array.from({ length: 99 }, (_, i) => `          - { id: s${i}, type: set, values: { i: "{{ item }}" } }`).join('\n');
    const yaml = `id: batched\nnamespace: restart\ninputs: [{ id: base, type: string }, { id: items, type: array }]\ntasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 20
    tasks:
      - id: body
        type: sequence
        tasks:
${sets}
          - { id: call, type: http, url: "{{ inputs.base }}/batch/{{ item }}" }\n`;
    broken.add('/batch/12');
    const items = Array.from({ length: 20 }, (_, i) => i);
    const original = await ended(await start(yaml, { items }));
    assert.equal(original.state, 'FAILED');
    broken.delete('/batch/12');
    const restarted = await runs.restartRun({ runId: original.runId });
    assert.ok(restarted.reusable.length >= 17, `reusable: ${restarted.reusable.length}`);
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    const counts = items.map((i) => hits(server, `/batch/${i}`));
    assert.equal(counts[12], 2);
    // The iterations of a batch the original never started ran first in the restart.
    assert.deepEqual(
      counts.filter((n) => n !== 1),
      [2],
      `each iteration but the failed one called once across both runs: ${counts}`,
    );
    for (const key of restarted.reusable) assert.equal(counts[Number(/^call\[(\d+)\]$/.exec(key)?.[1])], 1, key);
  });

  it('refuses a run still going, an unknown task, a run Temporal does not have, a branch the run did not take', async () => {
    const sleeper = await start(`id: sleeper\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n`);
    await assert.rejects(runs.restartRun({ runId: sleeper }), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'RUN_STILL_GOING');
      assert.match(error.message, /is still RUNNING: only a run that ended can be restarted/);
      assert.match(error.hint ?? '', /weft run cancel/);
      return true;
    });
    await runs.cancel(sleeper, { force: true });

    const branchy = `id: branchy\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: first, type: http, url: "{{ inputs.base }}/branchy/first" }
  - id: pick
    type: if
    condition: "{{ true }}"
    then: [{ id: taken, type: http, url: "{{ inputs.base }}/branchy/taken" }]
    else: [{ id: skipped_branch, type: http, url: "{{ inputs.base }}/branchy/else" }]\n`;
    const done = await ended(await start(branchy));
    assert.equal(done.state, 'COMPLETED');
    await assert.rejects(runs.restartRun({ runId: done.runId, fromTask: 'frist' }), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'UNKNOWN_TASK');
      assert.match(error.message, /^fromTask "frist" is not a task of restart\/branchy$/);
      assert.match(error.hint ?? '', /did you mean "first"\?/);
      return true;
    });
    await assert.rejects(runs.restartRun({ runId: done.runId, fromTask: 'skipped_branch' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RESTART_BRANCH_NOT_RUN');
      assert.match(error.message, /"skipped_branch" is in a branch of "pick" that run \S+ did not take/);
      return true;
    });
    await assert.rejects(runs.restartRun({ runId: 'restart.gone-0000' }), { code: 'RUN_NOT_FOUND' });
    const fromTaken = await ended((await runs.restartRun({ runId: done.runId, fromTask: 'taken' })).runId);
    assert.equal(task(fromTaken, 'first').reusedFrom, done.runId);
  });
});
