import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cancelRun, getRunningView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, flowFrom, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('run state in Temporal terms', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  before(async () => {
    env = await createTestEnv();
    http = await startHttpServer();
    http.route('/ok', (_req, res) => json(res, 200, { ok: true }));
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('cancels a run: the task in flight is CANCELLED, finally still runs, the run ends CANCELLED', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(`id: cancel-me\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\nfinally:\n  - { id: cleanup, type: log, message: "cleaned up" }\n`),
      taskQueue: env.taskQueue,
    });
    await waitFor('the sleep', async () => ((await getRunningView(env.client, runId)).tasks[0]?.state === 'WAITING' ? true : undefined));
    await cancelRun(env.client, runId);
    const view = await waitForRun(env.client, runId);
    const description = await env.client.workflow.getHandle(runId).describe();
    assert.equal(description.status.name, 'CANCELLED');
    assert.equal(view.state, 'CANCELLED');
    assert.equal(taskOf(view, 'nap').state, 'CANCELLED');
    assert.equal(taskOf(view, 'cleanup').state, 'COMPLETED');
    // Task events included: the cancelled task's event is written although its scope was cancelled.
    const lines = (await env.logs.read(runId)).map((l) => `${l.taskId}: ${l.message.replace(/^completed in \d+ ms$/, 'completed')}`);
    assert.deepEqual(lines, ['nap: started', 'nap: cancelled', 'cleanup: started', 'cleanup: cleaned up', 'cleanup: completed']);
  });

  it('lists the tasks of a terminated run: the completed one, and the one it stopped as CANCELLED with why', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(`id: stop-me\ntasks:\n  - { id: calc, type: set, values: { v: 1 } }\n  - { id: nap, type: sleep, duration: 1h }\n`),
      taskQueue: env.taskQueue,
    });
    await waitFor('the sleep', async () => ((await getRunningView(env.client, runId)).tasks[1]?.state === 'WAITING' ? true : undefined));
    await env.client.workflow.getHandle(runId).terminate('test');
    const view = await waitForRun(env.client, runId);
    assert.equal(view.state, 'TERMINATED');
    assert.equal(taskOf(view, 'calc').state, 'COMPLETED');
    assert.equal(taskOf(view, 'nap').state, 'CANCELLED');
    assert.deepEqual(taskOf(view, 'nap').error, { type: 'RunEnded', message: 'the run was terminated while this task was WAITING' });
  });

  it('marks a run WAITING with the WeftWaiting search attribute while an approval is pending', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(`id: waiting\ntasks:\n  - { id: gate, type: approval, message: "go?", approvers: any }\n`),
      taskQueue: env.taskQueue,
    });
    const found = await waitFor('the run to be listed as waiting', async () => {
      for await (const run of env.client.workflow.list({ query: `WorkflowId = "${runId}" AND WeftWaiting = true AND WeftFlow = "default/waiting"` }))
        return run;
      return undefined;
    });
    assert.equal(found.workflowId, runId);
    await env.client.workflow.getHandle(runId).terminate('done');
    const description = await env.client.workflow.getHandle(runId).describe();
    assert.equal(description.status.name, 'TERMINATED');
  });

  it('pages the live task-run query and names activities by task path so history alone tells the timeline', async () => {
    const view = await runFlow(
      env,
      `
id: many-tasks
inputs: [{ id: items, type: array }]
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 10
    tasks:
      - { id: get, type: http, url: "${http.url}/ok" }
`,
      { items: Array.from({ length: 60 }, (_, i) => i) },
    );
    assertCompleted(view);
    assert.equal(view.tasks.length, 61);
    assert.equal(taskOf(view, 'get', [59]).state, 'COMPLETED');
    const history = await env.client.workflow.getHandle(view.runId).fetchHistory();
    const activityIds = (history.events ?? []).flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityId ? [e.activityTaskScheduledEventAttributes.activityId] : [],
    );
    assert.equal(activityIds.length, 60);
    assert.ok(activityIds.includes('get[42]#1'), activityIds.slice(0, 5).join(','));
  });

  it('serves the query in pages of at most 500 task runs', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(
        `id: paged\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    tasks:\n      - { id: v, type: set, values: { x: "{{ item }}" } }\n  - { id: hold, type: sleep, duration: 1h }\n`,
      ),
      inputs: { items: Array.from({ length: 150 }, (_, i) => i) },
      taskQueue: env.taskQueue,
    });
    const page = await waitFor('the hold task', async () => {
      const handle = env.client.workflow.getHandle(runId);
      const p = await handle.query<{ total: number; tasks: unknown[] }, [{ offset: number; limit: number }]>('taskRuns', { offset: 100, limit: 20 });
      return p.total === 152 ? p : undefined;
    });
    assert.equal(page.tasks.length, 20);
    const view = await getRunningView(env.client, runId);
    assert.equal(view.tasks.length, 152);
    await env.client.workflow.getHandle(runId).terminate('done');
  });
});
