// A run whose expression costs too much fails fast with ExpressionTooCostly on a real worker
// and dev server: no workflow task retried forever, queries answer, other runs are unaffected.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';

const COSTLY = `
id: costly
inputs:
  - { id: items, type: array }
tasks:
  - id: before
    type: set
    values: { n: "{{ size(inputs.items) }}" }
  - id: explode
    type: set
    values:
      grid: "{{ inputs.items.map(a, inputs.items.map(b, inputs.items.map(c, inputs.items.map(d, a + b + c + d)))) }}"
`;

const NORMAL = `
id: normal
inputs:
  - { id: items, type: array }
tasks:
  - id: pause
    type: sleep
    duration: 300ms
  - id: sum
    type: set
    values: { pairs: "{{ size(inputs.items.map(a, inputs.items.map(b, a + b))) }}" }
outputs:
  pairs: "{{ outputs.sum.pairs }}"
`;

describe('expression cost on a real worker', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('fails a run with nested maps over 200 items fast with ExpressionTooCostly, and other runs complete', { timeout: 60_000 }, async () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const started = Date.now();
    const costly = await startRun(env.client, { flow: flowFrom(COSTLY), inputs: { items }, taskQueue: env.taskQueue });
    const normal = await startRun(env.client, { flow: flowFrom(NORMAL), inputs: { items }, taskQueue: env.taskQueue });
    const [failed, completed] = await Promise.all([waitForRun(env.client, costly.runId), waitForRun(env.client, normal.runId)]);

    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.error?.taskId, 'explode');
    assert.equal(failed.error?.type, 'ExpressionTooCostly');
    assert.match(
      failed.error?.message ?? '',
      /explode\.values\.grid: \{\{ inputs\.items\.map\(a, .*\}\} failed: evaluation cost more than the budget of 1000000 units/,
    );
    assert.equal(taskOf(failed, 'before').state, 'COMPLETED');
    // Four nested maps are 1.6 billion steps; unbounded they would hold the workflow task for minutes.
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);

    // No workflow task failed or timed out: the run failed on its first try instead of wedging.
    const { events } = await env.client.workflow.getHandle(costly.runId).fetchHistory();
    const stalled = (events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes);
    assert.equal(stalled.length, 0, 'a workflow task failed or timed out');

    // The failed run still answers queries.
    const view = await getRunningView(env.client, costly.runId);
    assert.equal(view.tasks.find((t) => t.id === 'explode')?.state, 'FAILED');

    assertCompleted(completed);
    assert.deepEqual(completed.outputs, { pairs: 200 });
  });

  it('answers a matches() whose pattern backtracks exponentially in time, instead of holding the workflow task', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const view = await waitForRun(
      env.client,
      (
        await startRun(env.client, {
          flow: flowFrom(
            'id: redos\ninputs: [{ id: text, type: string }]\ntasks:\n  - { id: m, type: set, values: { hit: "{{ inputs.text.matches(\'^(a+)+$\') }}" } }\noutputs: { hit: "{{ outputs.m.hit }}" }\n',
          ),
          inputs: { text: `${'a'.repeat(60)}!` },
          taskQueue: env.taskQueue,
        })
      ).runId,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { hit: false });
    // 2^60 backtracking steps without the fallback to the linear-time engine.
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  });

  it('bounds the expressions of one workflow task together: a foreach of iterations each under the budget fails instead of holding the task', {
    timeout: 60_000,
  }, async () => {
    // Each iteration costs about 800,000 units (a double map over 400 items), under the budget of
    // one expression; 100 of them in one workflow task would be 80 million.
    const flow = flowFrom(`
id: many-costly
inputs:
  - { id: items, type: array }
  - { id: rounds, type: array }
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.rounds }}"
    tasks:
      - id: work
        type: set
        values: { n: "{{ size(inputs.items.map(a, inputs.items.map(b, a + b))) }}" }
`);
    const started = Date.now();
    const { runId } = await startRun(env.client, {
      flow,
      inputs: { items: Array.from({ length: 400 }, (_, i) => i), rounds: Array.from({ length: 100 }, (_, i) => i) },
      taskQueue: env.taskQueue,
    });
    const view = await waitForRun(env.client, runId);
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ExpressionTooCostly');
    assert.match(view.error?.message ?? '', /shared budget of 20000000 units/);
    const { events } = await env.client.workflow.getHandle(runId).fetchHistory();
    const stalled = (events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes);
    assert.equal(stalled.length, 0, 'a workflow task failed or timed out');
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });
});
