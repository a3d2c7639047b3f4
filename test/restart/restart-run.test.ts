// Restarting a run (flow-spec.md, Restart) through the run service, on a real worker and dev
// server: task runs that completed before the restart point with the same rendered
// configuration are reused (their side effects, counted at a loopback HTTP server, happen once
// across both runs); the rest run again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunDetail, RunService } from '../../src/services/run-service.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

/** Requests the server received for a path (query string included). */
const hits = (server: TestHttpServer, path: string) => server.requests.filter((r) => r.url === path).length;

function task(detail: RunDetail, id: string, iteration?: number[]) {
  const found = detail.tasks.find((t) => t.id === id && JSON.stringify(t.iteration ?? []) === JSON.stringify(iteration ?? []));
  assert.ok(found, `no task run ${id}${iteration ? `[${iteration}]` : ''} in ${detail.runId}`);
  return found;
}

describe('restart a run', () => {
  let env: TestEnv;
  let runs: RunService;
  let server: TestHttpServer;
  /** Paths that answer 500 until they are fixed. */
  const broken = new Set<string>();

  const ended = async (runId: string) => {
    await runs.waitForClose(runId);
    return runs.get(runId);
  };
  const runUnsaved = async (yaml: string, inputs: Record<string, unknown> = {}) => {
    const { runId } = await runs.startUnsaved(flowFrom(yaml), yaml, { inputs, trigger: 'api' });
    return ended(runId);
  };

  before(async () => {
    env = await createTestEnv();
    ({ runs } = await triggerServices(env));
    server = await startHttpServer();
    server.route('/', (req, res) => (broken.has(req.url.split('?')[0] ?? '') ? json(res, 500, { error: 'broken' }) : json(res, 200, { path: req.url })));
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('restarts from the failed task: the task before it is reused, its request made once across both runs', async () => {
    const yaml = `id: basic\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: first, type: http, url: "{{ inputs.base }}/basic/first" }
  - { id: second, type: http, url: "{{ inputs.base }}/basic/second?from={{ outputs.first.body.path }}" }\n`;
    broken.add('/basic/second');
    const original = await runUnsaved(yaml, { base: server.url });
    assert.equal(original.state, 'FAILED');
    assert.equal(original.error?.taskId, 'second');
    broken.delete('/basic/second');

    const restarted = await runs.restartRun({ runId: original.runId });
    assert.deepEqual(restarted.from, { taskId: 'second' });
    assert.deepEqual(restarted.reusable, ['first']);
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    assert.equal(task(detail, 'first').state, 'COMPLETED');
    assert.equal(task(detail, 'first').reusedFrom, original.runId);
    assert.equal(task(detail, 'second').reusedFrom, undefined);
    assert.equal(hits(server, '/basic/first'), 1, 'the first request is made once across both runs');
    assert.equal(hits(server, '/basic/second?from=/basic/first'), 2);
    assert.equal(detail.restartOf, original.runId);
    assert.equal(detail.trigger, 'restart');
    assert.deepEqual(detail.event, { runId: original.runId });
    const lineage = await waitFor('the restart listed on the original', async () => {
      const again = await runs.get(original.runId);
      return again.restarts?.length ? again : undefined;
    });
    assert.deepEqual(lineage.restarts, [restarted.runId]);
  });

  it('restarts a completed run from a chosen task: tasks before it are reused, it and those after run again', async () => {
    const yaml = `id: chosen\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: a, type: http, url: "{{ inputs.base }}/chosen/a" }
  - { id: b, type: http, url: "{{ inputs.base }}/chosen/b" }
  - { id: c, type: http, url: "{{ inputs.base }}/chosen/c" }\n`;
    const original = await runUnsaved(yaml, { base: server.url });
    assert.equal(original.state, 'COMPLETED');
    await assert.rejects(runs.restartRun({ runId: original.runId }), { code: 'RESTART_POINT_REQUIRED' });
    const restarted = await runs.restartRun({ runId: original.runId, fromTask: 'b' });
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED');
    assert.equal(task(detail, 'a').reusedFrom, original.runId);
    assert.equal(task(detail, 'b').reusedFrom, undefined);
    assert.equal(task(detail, 'c').reusedFrom, undefined);
    assert.deepEqual(
      ['a', 'b', 'c'].map((t) => hits(server, `/chosen/${t}`)),
      [1, 2, 2],
    );
  });

  it('with revision latest runs the revision that fixed the failing task, reusing what did not change', async () => {
    const { flows } = await triggerServices(env);
    const head = `id: fixed\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:\n  - { id: fetch, type: http, url: "{{ inputs.base }}/fixed/fetch" }\n`;
    await flows.save(`${head}  - { id: post, type: http, url: "{{ inputs.base }}/fixed/old-post" }\n`);
    broken.add('/fixed/old-post');
    const { runId } = await runs.start({ flow: 'restart/fixed', inputs: { base: server.url } });
    const original = await ended(runId);
    assert.equal(original.state, 'FAILED');
    const saved = await flows.save(`${head}  - { id: post, type: http, url: "{{ inputs.base }}/fixed/new-post" }\n`);

    const same = await ended((await runs.restartRun({ runId })).runId);
    assert.equal(same.state, 'FAILED', 'the same revision still calls the broken endpoint');
    assert.equal(same.revision, 1);
    const latest = await runs.restartRun({ runId, revision: 'latest' });
    assert.equal(latest.revision, saved.revision);
    const detail = await ended(latest.runId);
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    assert.equal(task(detail, 'fetch').reusedFrom, runId);
    assert.equal(hits(server, '/fixed/fetch'), 1);
    assert.equal(hits(server, '/fixed/new-post'), 1);
  });

  it('with changed inputs runs again the tasks whose rendered configuration changed and reuses the others', async () => {
    const yaml = `id: inputs\nnamespace: restart\ninputs: [{ id: base, type: string }, { id: v, type: integer }]\ntasks:
  - { id: steady, type: http, url: "{{ inputs.base }}/inputs/steady" }
  - { id: uses_input, type: http, url: "{{ inputs.base }}/inputs/uses?v={{ inputs.v }}" }
  - { id: breaks, type: http, url: "{{ inputs.base }}/inputs/breaks" }\n`;
    broken.add('/inputs/breaks');
    const original = await runUnsaved(yaml, { base: server.url, v: 1 });
    assert.equal(original.state, 'FAILED');
    broken.delete('/inputs/breaks');
    const restarted = await runs.restartRun({ runId: original.runId, inputs: { v: 2 } });
    assert.deepEqual(restarted.reusable.sort(), ['steady', 'uses_input']);
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED');
    assert.deepEqual(detail.inputs, { base: server.url, v: 2 });
    assert.equal(task(detail, 'steady').reusedFrom, original.runId);
    assert.equal(task(detail, 'uses_input').reusedFrom, undefined, 'its url changed with the input');
    assert.deepEqual([hits(server, '/inputs/steady'), hits(server, '/inputs/uses?v=1'), hits(server, '/inputs/uses?v=2')], [1, 1, 1]);
  });

  it('inside a foreach of 50 where 3 iterations failed, reuses the 47 that completed and runs the 3 again', async () => {
    const yaml = `id: fifty\nnamespace: restart\ninputs: [{ id: base, type: string }, { id: items, type: array }]\ntasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 50
    tasks:
      - { id: call, type: http, url: "{{ inputs.base }}/fifty/{{ item }}" }\n`;
    const failing = ['/fifty/7', '/fifty/20', '/fifty/33'];
    for (const path of failing) broken.add(path);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const original = await runUnsaved(yaml, { base: server.url, items });
    assert.equal(original.state, 'FAILED');
    assert.equal(original.tasks.filter((t) => t.id === 'call' && t.state === 'COMPLETED').length, 47);
    for (const path of failing) broken.delete(path);

    const restarted = await runs.restartRun({ runId: original.runId });
    assert.equal(restarted.reusable.length, 47);
    const detail = await ended(restarted.runId);
    assert.equal(detail.state, 'COMPLETED', JSON.stringify(detail.error));
    const calls = detail.tasks.filter((t) => t.id === 'call');
    assert.equal(calls.filter((t) => t.reusedFrom === original.runId).length, 47);
    assert.deepEqual(
      calls
        .filter((t) => !t.reusedFrom)
        .map((t) => t.iteration?.[0])
        .sort((x, y) => (x ?? 0) - (y ?? 0)),
      [7, 20, 33],
    );
    const counts = items.map((i) => hits(server, `/fifty/${i}`));
    assert.equal(counts.filter((n) => n === 1).length, 47, 'each completed iteration called once across both runs');
    assert.deepEqual([counts[7], counts[20], counts[33]], [2, 2, 2]);
    assert.deepEqual(task(detail, 'each').progress, { done: 50, total: 50 });
  });

  it('a restart of a restart names the run that actually ran a reused task', async () => {
    const yaml = `id: twice\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: once, type: http, url: "{{ inputs.base }}/twice/once" }
  - { id: flaky, type: http, url: "{{ inputs.base }}/twice/flaky" }\n`;
    broken.add('/twice/flaky');
    const original = await runUnsaved(yaml, { base: server.url });
    const first = await ended((await runs.restartRun({ runId: original.runId })).runId);
    assert.equal(first.state, 'FAILED');
    assert.equal(task(first, 'once').reusedFrom, original.runId);
    broken.delete('/twice/flaky');
    const second = await ended((await runs.restartRun({ runId: first.runId })).runId);
    assert.equal(second.state, 'COMPLETED');
    assert.equal(second.restartOf, first.runId);
    assert.equal(task(second, 'once').reusedFrom, original.runId, 'the original ran it, not the first restart');
    assert.equal(hits(server, '/twice/once'), 1);
    assert.equal(hits(server, '/twice/flaky'), 3);
  });
});
