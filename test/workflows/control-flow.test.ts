import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { delay, json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('control flow on a real Temporal server', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  before(async () => {
    env = await createTestEnv();
    http = await startHttpServer();
    http.route('/slow', async (_req, res) => {
      await delay(150);
      json(res, 200, { ok: true });
    });
    http.route('/item/', async (req, res) => {
      await delay(20);
      json(res, 200, { item: Number(req.url.split('/').pop()) });
    });
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('runs a sequence in order and if/switch pick their branch', async () => {
    const view = await runFlow(
      env,
      `
id: branches
inputs:
  - { id: kind, type: string }
tasks:
  - id: seq
    type: sequence
    tasks:
      - { id: a, type: set, values: { v: 1 } }
      - { id: b, type: set, values: { v: "{{ outputs.a.v + 1 }}" } }
  - id: check
    type: if
    condition: "{{ outputs.b.v == 2 }}"
    then:
      - { id: yes, type: set, values: { hit: true } }
    else:
      - { id: no, type: set, values: { hit: false } }
  - id: pick
    type: switch
    value: "{{ inputs.kind }}"
    cases:
      bug: [{ id: isBug, type: set, values: { label: bug } }]
      feature: [{ id: isFeature, type: set, values: { label: feature } }]
    default: [{ id: other, type: set, values: { label: other } }]
outputs:
  b: "{{ outputs.b.v }}"
  branch: "{{ outputs.check.branch }}"
  case: "{{ outputs.pick.case }}"
  ranNo: "{{ has(outputs.no) }}"
  label: "{{ outputs.isFeature.label }}"
`,
      { kind: 'feature' },
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { b: 2, branch: 'then', case: 'feature', ranNo: false, label: 'feature' });
  });

  it('skips a task whose when is false and leaves it out of outputs', async () => {
    const view = await runFlow(
      env,
      `
id: skipping
tasks:
  - { id: maybe, type: set, when: "{{ 1 > 2 }}", values: { x: 1 } }
  - { id: after, type: set, values: { ran: "{{ has(outputs.maybe) }}" } }
outputs: { ran: "{{ outputs.after.ran }}" }
`,
    );
    assertCompleted(view);
    assert.equal(taskOf(view, 'maybe').state, 'SKIPPED');
    assert.deepEqual(view.outputs, { ran: false });
  });

  it('holds parallel concurrency to its limit', async () => {
    const branches = Array.from({ length: 6 }, (_, i) => `      - { id: p${i}, type: http, url: "${http.url}/slow/p" }`).join('\n');
    const view = await runFlow(env, `id: par\ntasks:\n  - id: fan\n    type: parallel\n    concurrency: 2\n    tasks:\n${branches}\n`);
    assertCompleted(view);
    assert.equal(http.maxInFlight.get('/slow'), 2);
    for (let i = 0; i < 6; i++) assert.equal(taskOf(view, `p${i}`).state, 'COMPLETED');
  });

  it('runs foreach over 200 items with concurrency 4 and keeps item order', async () => {
    const view = await runFlow(
      env,
      `
id: fanout
inputs:
  - { id: items, type: array }
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 4
    tasks:
      - id: get
        type: http
        url: "${http.url}/item/{{ item }}"
      - id: mark
        type: set
        values: { square: "{{ outputs.get.body.item * outputs.get.body.item }}", index: "{{ index }}" }
outputs:
  count: "{{ size(outputs.each.iterations) }}"
  squares: "{{ outputs.each.iterations.map(i, i.mark.square) }}"
`,
      { items: Array.from({ length: 200 }, (_, i) => i) },
    );
    assertCompleted(view);
    assert.equal(view.outputs?.count, 200);
    assert.deepEqual(
      view.outputs?.squares,
      Array.from({ length: 200 }, (_, i) => i * i),
    );
    assert.equal(http.maxInFlight.get('/item/'), 4);
    assert.equal(taskOf(view, 'get', [199]).state, 'COMPLETED');
  });

  it('catches a failure with errors, still runs finally, and fails the run in Temporal too', async () => {
    const view = await runFlow(
      env,
      `
id: failing
tasks:
  - { id: ok, type: set, values: { a: 1 } }
  - { id: boom, type: fail, message: "broken at {{ outputs.ok.a }}" }
  - { id: never, type: set, values: { b: 2 } }
errors:
  - { id: handler, type: log, message: "caught {{ error.taskId }}: {{ error.message }}" }
finally:
  - { id: cleanup, type: log, message: "cleanup ran" }
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.taskId, 'boom');
    assert.equal(view.error?.message, 'broken at 1');
    assert.equal(taskOf(view, 'handler').state, 'COMPLETED');
    assert.equal(taskOf(view, 'cleanup').state, 'COMPLETED');
    assert.ok(!view.tasks.some((t) => t.id === 'never'));
    const description = await env.client.workflow.getHandle(view.runId).describe();
    assert.equal(description.status.name, 'FAILED');
    const lines = (await env.logs.read(view.runId)).map((l) => `${l.level} ${l.taskId}: ${l.message.replace(/^completed in \d+ ms$/, 'completed')}`);
    assert.deepEqual(lines, [
      'info ok: started',
      'info ok: completed',
      'info boom: started',
      'error boom: failed (FlowFailed: broken at 1)',
      'info handler: started',
      'info handler: caught boom: broken at 1',
      'info handler: completed',
      'info cleanup: started',
      'info cleanup: cleanup ran',
      'info cleanup: completed',
    ]);
  });

  it('goes on after a task with allowFailure and records it as an allowed failure', async () => {
    const view = await runFlow(
      env,
      `
id: tolerant
tasks:
  - { id: flaky, type: fail, message: nope, allowFailure: true }
  - { id: next, type: set, values: { ranFlaky: "{{ has(outputs.flaky) }}" } }
outputs: { ranFlaky: "{{ outputs.next.ranFlaky }}" }
`,
    );
    assertCompleted(view);
    const flaky = taskOf(view, 'flaky');
    assert.equal(flaky.state, 'FAILED');
    assert.equal(flaky.allowedFailure, true);
    assert.deepEqual(view.outputs, { ranFlaky: false });
  });

  it('sleeps durably and computes vars once at start', async () => {
    const started = Date.now();
    const view = await runFlow(
      env,
      `
id: sleeper
vars:
  base: "{{ 40 + 2 }}"
  label: "v{{ vars.base }}"
tasks:
  - { id: nap, type: sleep, duration: 1s }
  - { id: use, type: set, values: { label: "{{ vars.label }}" } }
outputs: { label: "{{ outputs.use.label }}" }
`,
    );
    assertCompleted(view);
    assert.ok(Date.now() - started >= 1000);
    assert.deepEqual(view.outputs, { label: 'v42' });
  });

  it('enforces the flow timeout inside the workflow, runs finally, and ends TIMED_OUT', async () => {
    const view = await runFlow(
      env,
      `
id: slowpoke
timeout: 1s
tasks:
  - { id: nap, type: sleep, duration: 1h }
finally:
  - { id: cleanup, type: log, message: "cleanup after timeout" }
`,
    );
    assert.equal(view.state, 'TIMED_OUT');
    assert.equal(taskOf(view, 'nap').state, 'CANCELLED');
    assert.equal(taskOf(view, 'cleanup').state, 'COMPLETED');
  });

  it('fails a workflow-side task that outlives its timeout with TaskTimedOut, and retries it', async () => {
    const view = await runFlow(
      env,
      `
id: task-timeout
tasks:
  - id: slow
    type: sequence
    timeout: 500ms
    retry: { maxAttempts: 2, initialInterval: 100ms }
    tasks:
      - { id: nap, type: sleep, duration: 1h }
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'TaskTimedOut');
    assert.equal(taskOf(view, 'slow').attempts, 2);
    assert.equal(taskOf(view, 'nap').state, 'CANCELLED');
  });

  it('nests foreach inside foreach, addressing inner runs by both indexes', async () => {
    const view = await runFlow(
      env,
      `
id: nested
tasks:
  - id: rows
    type: foreach
    items: [[1, 2], [3, 4, 5]]
    concurrency: 2
    tasks:
      - id: cells
        type: foreach
        items: "{{ item }}"
        tasks:
          - { id: cell, type: set, values: { v: "{{ item * 10 }}" } }
outputs:
  grid: "{{ outputs.rows.iterations.map(r, r.cells.iterations.map(c, c.cell.v)) }}"
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, {
      grid: [
        [10, 20],
        [30, 40, 50],
      ],
    });
    assert.equal(taskOf(view, 'cell', [1, 2]).state, 'COMPLETED');
  });

  it('fails a task whose expression breaks at run time, naming the field and the expression', async () => {
    const view = await runFlow(
      env,
      `id: bad-expr\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n  - { id: b, type: set, values: { y: "{{ outputs.a.nothing + 1 }}" } }\n`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ExpressionError');
    assert.match(view.error?.message ?? '', /b\.values\.y: \{\{ outputs\.a\.nothing \+ 1 \}\} failed: .*nothing/);
  });
});
