// Task lifecycle events in the run logs: started, retrying, completed, skipped, failed (allowed
// or not), cancelled; each exactly once, with its attempt, iteration and level, in order, and
// with secret values redacted from error text.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { respondToApproval, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { secretsFromEnv } from '../../src/services/secrets/secret-source.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, flowFrom, runFlow, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'tok-very-secret-value-42';

interface EventRow {
  taskId: string;
  iteration: string | null;
  attempt: number;
  level: string;
  kind: string;
  message: string;
}

/** The run's task events from the store, in write order (attempt is not in LogService entries). */
async function eventsOf(env: TestEnv, runId: string): Promise<EventRow[]> {
  const rows = await env.store.db
    .selectFrom('logs')
    .select(['line_id', 'task_id', 'iteration', 'attempt', 'level', 'message'])
    .where('run_id', '=', runId)
    .orderBy('seq', 'asc')
    .execute();
  return rows
    .filter((r) => r.line_id.includes('|event|'))
    .map((r) => ({
      taskId: r.task_id,
      iteration: r.iteration,
      attempt: Number(r.attempt),
      level: r.level,
      kind: r.line_id.slice(r.line_id.lastIndexOf('|') + 1),
      message: r.message,
    }));
}

function only(events: EventRow[], taskId: string, iteration: string | null = null): EventRow[] {
  return events.filter((e) => e.taskId === taskId && e.iteration === iteration);
}

/** Asserts a task's events, in order: [kind, attempt, level, message pattern] each. */
function assertEvents(events: EventRow[], taskId: string, iteration: string | null, expected: Array<[string, number, string, RegExp]>): void {
  const got = only(events, taskId, iteration);
  assert.deepEqual(
    got.map((e) => [e.kind, e.attempt, e.level]),
    expected.map(([kind, attempt, level]) => [kind, attempt, level]),
    `events of ${taskId}${iteration ? `[${iteration}]` : ''}: ${JSON.stringify(got)}`,
  );
  for (const [i, [, , , pattern]] of expected.entries()) assert.match(got[i]?.message ?? '', pattern);
}

describe('task lifecycle events in the run logs', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  before(async () => {
    env = await createTestEnv({ secrets: secretsFromEnv({ WEFT_SECRET_TOKEN: SECRET }) });
    http = await startHttpServer();
    let flakyCalls = 0;
    http.route('/flaky', (_req, res) => {
      flakyCalls += 1;
      res.writeHead(flakyCalls === 1 ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ call: flakyCalls }));
    });
    // Answers after /slow/<ms> milliseconds: an activity that takes a while and writes no lines of its own.
    http.route('/slow', (req, res) => {
      setTimeout(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        Number((req.url ?? '').split('/')[2] ?? 0),
      );
    });
    http.route('/broken', (req, res) => {
      // Echoes the secret header into the error body: the event must not carry it.
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`bad token ${req.headers.authorization}`);
    });
  });
  after(async () => {
    await http.close();
    await env.close();
  });

  it('writes started, retrying, completed, failed and skipped events once each, with attempt, iteration and level', async () => {
    const view = await runFlow(
      env,
      `
id: task-events
tasks:
  - id: fetch
    type: http
    url: "${http.url}/flaky"
    retry: { maxAttempts: 3, initialInterval: 100ms }
  - id: broken
    type: http
    url: "${http.url}/broken"
    headers: { Authorization: "{{ secret('TOKEN') }}" }
    allowFailure: true
  - id: quiet
    type: log
    when: "{{ false }}"
    message: never
  - id: each
    type: foreach
    items: "{{ [1, 2] }}"
    tasks:
      - { id: sq, type: set, values: { v: "{{ item * item }}" } }
  - { id: say, type: log, message: done }
`,
    );
    assertCompleted(view);
    const events = await eventsOf(env, view.runId);
    assertEvents(events, 'fetch', null, [
      ['started', 1, 'info', /^started$/],
      ['retrying', 1, 'warn', /^attempt 1 of 3 failed \(HttpServerError: .*500.*\); retrying in 100ms$/],
      ['started', 2, 'info', /^attempt 2 started$/],
      ['completed', 2, 'info', /^completed in \d+ ms$/],
    ]);
    assertEvents(events, 'broken', null, [
      ['started', 1, 'info', /^started$/],
      ['failed', 1, 'warn', /^failed \(HttpServerError: .*bad token \*\*\*.*\); allowFailure: the run goes on$/],
    ]);
    assertEvents(events, 'quiet', null, [['skipped', 1, 'info', /^skipped \(when is false\)$/]]);
    assertEvents(events, 'each', null, [
      ['started', 1, 'info', /^started$/],
      ['completed', 1, 'info', /^completed in \d+ ms$/],
    ]);
    for (const i of ['0', '1']) {
      assertEvents(events, 'sq', i, [
        ['started', 1, 'info', /^started$/],
        ['completed', 1, 'info', /^completed in \d+ ms$/],
      ]);
    }
    assertEvents(events, 'say', null, [
      ['started', 1, 'info', /^started$/],
      ['completed', 1, 'info', /^completed in \d+ ms$/],
    ]);
    assert.ok(
      events.every((e) => !e.message.includes(SECRET)),
      'a secret value reached an event',
    );

    // Through the query service: by task (events around the task's own line) and by level.
    const logs = new LogService(env.store);
    const say = await logs.query({ runId: view.runId, taskId: 'say' });
    assert.deepEqual(
      say.entries.map((e) => e.message),
      ['started', 'done', say.entries[2]?.message],
    );
    assert.match(say.entries[2]?.message ?? '', /^completed in \d+ ms$/);
    const warnings = await logs.query({ runId: view.runId, level: 'warn' });
    assert.deepEqual(
      warnings.entries.map((e) => [e.taskId, e.level]),
      [
        ['fetch', 'warn'],
        ['broken', 'warn'],
      ],
    );
    const errors = await logs.query({ runId: view.runId, level: 'error' });
    assert.deepEqual(errors.entries, [], 'a completed run has no error events');
  });

  it('shows a long activity task as started while it runs (the activity writes that line itself)', async () => {
    const flow = flowFrom(
      `id: long-task\ntasks:\n  - { id: first, type: set, values: { a: 1 } }\n  - { id: slow, type: http, url: "${http.url}/slow/4000" }\n`,
    );
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    const live = await waitFor('the started line of the running script', async () => {
      const events = await eventsOf(env, runId);
      return only(events, 'slow').length > 0 ? events : undefined;
    });
    // Only the activity can have written it: the workflow buffers events that follow its last
    // write by less than a second of workflow time, until a flush point or the end of the run
    // (or the start of a task that writes lines of its own, which an http task does not).
    assert.deepEqual(
      live.map((e) => [e.taskId, e.kind, e.attempt]),
      [['slow', 'started', 1]],
    );
    const view = await waitForRun(env.client, runId);
    assertCompleted(view);
    const events = await eventsOf(env, runId);
    assertEvents(events, 'slow', null, [
      ['started', 1, 'info', /^started$/],
      ['completed', 1, 'info', /^completed in \d+ ms$/],
    ]);
    assert.equal(only(events, 'first').length, 2);
  });

  it('writes what it buffered once a second of workflow time has passed, so a slow run is followed live', async () => {
    const flow = flowFrom(
      `id: slow-run\ntasks:\n  - { id: first, type: set, values: { a: 1 } }\n  - { id: slow1, type: http, url: "${http.url}/slow/1500" }\n  - { id: slow2, type: http, url: "${http.url}/slow/4000" }\n`,
    );
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    // slow1 ends more than a second after the run's first workflow task: the workflow task that
    // sees it end writes everything recorded so far, while slow2 still runs.
    const live = await waitFor('the events up to slow2 starting', async () => {
      const events = await eventsOf(env, runId);
      return only(events, 'slow1').some((e) => e.kind === 'completed') ? events : undefined;
    });
    // (slow1's own activity wrote its `started` line first, at 1 s; the same line from the
    // workflow adds nothing.)
    assert.deepEqual(
      live
        .filter((e) => e.taskId !== 'slow2')
        .map((e) => `${e.taskId} ${e.kind}`)
        .sort(),
      ['first completed', 'first started', 'slow1 completed', 'slow1 started'],
    );
    const view = await env.client.workflow.getHandle(runId).describe();
    assert.equal(view.status.name, 'RUNNING', 'the events were written while the run was still going');
    assertCompleted(await waitForRun(env.client, runId));
    assert.equal(only(await eventsOf(env, runId), 'slow2').length, 2);
  });

  it('writes an approval wait before waiting, and the answer after it', async () => {
    const flow = flowFrom(`id: gated\ntasks:\n  - { id: gate, type: approval, message: go?, approvers: any }\n`);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    const live = await waitFor('the waiting event', async () => {
      const events = await eventsOf(env, runId);
      return only(events, 'gate').some((e) => e.kind === 'waiting') ? events : undefined;
    });
    assert.deepEqual(
      live.map((e) => e.kind),
      ['started', 'waiting'],
    );
    await respondToApproval(env.client, runId, { taskId: 'gate', approved: true, by: 'ana', approver: 'agent' });
    assertCompleted(await waitForRun(env.client, runId));
    assertEvents(await eventsOf(env, runId), 'gate', null, [
      ['started', 1, 'info', /^started$/],
      ['waiting', 1, 'info', /^waiting for approval \(any\)$/],
      ['answered', 1, 'info', /^approved by ana$/],
      ['completed', 1, 'info', /^completed in \d+ ms$/],
    ]);
  });

  it('writes a failure for good as an error event before the run closes FAILED', async () => {
    const view = await runFlow(
      env,
      `id: fails\ntasks:\n  - { id: boom, type: fail, message: stop here }\nfinally:\n  - { id: tidy, type: set, values: { ok: true } }\n`,
    );
    assert.equal(view.state, 'FAILED');
    const events = await eventsOf(env, view.runId);
    assertEvents(events, 'boom', null, [
      ['started', 1, 'info', /^started$/],
      ['failed', 1, 'error', /^failed \(FlowFailed: stop here\)$/],
    ]);
    assertEvents(events, 'tidy', null, [
      ['started', 1, 'info', /^started$/],
      ['completed', 1, 'info', /^completed in \d+ ms$/],
    ]);
  });

  it('writes the events of a cancelled run, the cancelled task included, although its scope was cancelled', async () => {
    const flow = flowFrom(`id: cancel-me\ntasks:\n  - { id: first, type: set, values: { a: 1 } }\n  - { id: nap, type: sleep, duration: 1h }\n`);
    const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
    // The flush before the durable wait makes the events visible while the run sleeps.
    const live = await waitFor('events written before the sleep', async () => {
      const events = await eventsOf(env, runId);
      return only(events, 'nap').length > 0 ? events : undefined;
    });
    assert.deepEqual(
      live.map((e) => [e.taskId, e.kind]),
      [
        ['first', 'started'],
        ['first', 'completed'],
        ['nap', 'started'],
      ],
    );
    await env.client.workflow.getHandle(runId).cancel();
    const view = await waitForRun(env.client, runId);
    assert.equal(view.state, 'CANCELLED');
    const events = await eventsOf(env, runId);
    assertEvents(events, 'nap', null, [
      ['started', 1, 'info', /^started$/],
      ['cancelled', 1, 'warn', /^cancelled$/],
    ]);
    assert.equal(only(events, 'first').length, 2, 'events written twice (live and at the end) are stored once');
  });
});
