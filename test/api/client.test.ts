// `weft/client` against a real server on loopback with a real worker: start a run and follow its
// events to the end, read its logs, answer an approval with a person's key, and a typed error
// with every problem for an invalid flow.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunEvent, WeftApiError, WeftClient } from '../../src/adapters/client/weft-client.js';
import { type ApiFixture, type ApiServer, apiFixture } from './api-fixture.js';

const NS = 'client';
const STEPS = `id: steps\nnamespace: ${NS}\ndescription: three steps\ninputs:\n  - { id: name, type: string, default: world }\ntasks:\n  - { id: one, type: log, message: "one for {{ inputs.name }}" }\n  - { id: pause, type: sleep, duration: 300ms }\n  - { id: two, type: log, message: "two for {{ inputs.name }}" }\noutputs:\n  name: "{{ inputs.name }}"\n`;
const HUMAN = `id: human\nnamespace: ${NS}\ndescription: needs a person\ntasks:\n  - { id: sign, type: approval, message: sign?, approvers: human }\n  - { id: after, type: log, message: signed }\n`;
const INVALID = `id: broken\nnamespace: ${NS}\ntasks:\n  - { id: a, type: nope }\n  - { id: b, type: log, message: "{{ outputs.zz.x }}" }\n`;

describe('the TypeScript client', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let admin: WeftClient;
  let person: WeftClient;

  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve({ auth: true });
    admin = new WeftClient({ url: server.base, apiKey: (await fixture.keys.create({ scope: 'admin', name: 'admin' })).token });
    person = new WeftClient({ url: server.api, apiKey: (await fixture.keys.create({ scope: 'run', name: 'Grace Hopper', person: true })).token });
    await admin.saveFlow(`${NS}/steps`, STEPS, { message: 'first' });
    await admin.saveFlow(`${NS}/human`, HUMAN);
  });
  after(async () => {
    await fixture?.close();
  });

  it('is the package export weft/client, built into dist/', () => {
    const resolved = fileURLToPath(import.meta.resolve('weft/client'));
    assert.match(resolved, /dist\/src\/adapters\/client\/weft-client\.js$/);
    assert.ok(existsSync(resolved) || !existsSync(new URL('../../dist', import.meta.url)), 'a built dist/ has the client');
  });

  it('starts a run and follows its events to the end: run first, tasks and logs as they happen, run last', async () => {
    const started = await admin.startRun({ flow: `${NS}/steps`, inputs: { name: 'events' } });
    assert.equal(started.started, true);
    const events: RunEvent[] = [];
    for await (const event of admin.runEvents(started.runId)) events.push(event);
    assert.equal(events[0]?.type, 'run');
    const last = events.at(-1);
    assert.ok(last?.type === 'run' && last.run.state === 'COMPLETED', JSON.stringify(last));
    assert.deepEqual((last.run as { outputs?: unknown }).outputs, { name: 'events' });
    // The first event shows the tasks as they were; task events say what changed after.
    const first = events[0]?.type === 'run' ? (events[0].run.tasks ?? []) : [];
    const tasks = [...first, ...events.flatMap((e) => (e.type === 'task' ? [e.task] : []))].map((t) => `${t.id}:${t.state}`);
    for (const id of ['one', 'pause', 'two']) assert.ok(tasks.includes(`${id}:COMPLETED`), `${id} completed in ${tasks.join(', ')}`);
    const logs = events.flatMap((e) => (e.type === 'log' ? [e.entry.message] : []));
    assert.ok(logs.some((m) => m.includes('one for events')) && logs.some((m) => m.includes('two for events')), logs.join(' | '));
    assert.ok(events.filter((e) => e.type === 'log').at(-1)?.id, 'the last log event carries an id to resume from');
  });

  it('waits for a run\u2019s end and reads its logs; a stream resumed with Last-Event-ID skips what was seen', async () => {
    const started = await admin.startRun({ flow: `${NS}/steps`, inputs: { name: 'wait' } });
    const run = await admin.waitForRun(started.runId);
    assert.equal(run.state, 'COMPLETED');
    assert.equal(run.runId, started.runId);
    const logs = await admin.getRunLogs(started.runId, { contains: 'wait' });
    assert.ok(
      logs.entries.some((e) => e.message === 'two for wait'),
      JSON.stringify(logs.entries),
    );
    const first = await admin.getRunLogs(started.runId, { limit: 1 });
    const rest = await admin.getRunLogs(started.runId, { cursor: first.nextCursor });
    assert.ok(rest.entries.length >= 1);
    assert.notEqual(rest.entries[0]?.message, first.entries[0]?.message);
    // Resuming the ended run's stream after its first log entry: the rest of the log, then the run.
    const response = await fetch(`${server.api}/runs/${started.runId}/events`, {
      headers: { authorization: `Bearer ${(await fixture.keys.create({ scope: 'read', name: 'r' })).token}`, 'last-event-id': first.nextCursor ?? '' },
    });
    const text = await response.text();
    const resumed = [...text.matchAll(/event: log\ndata: (.*)\n/g)].map((m) => (JSON.parse(m[1] as string) as { message: string }).message);
    assert.deepEqual(
      resumed,
      rest.entries.map((e) => e.message),
    );
  });

  it('answers an approvers: human approval with a person\u2019s key; the run goes on and says who', async () => {
    const started = await person.startRun({ flow: `${NS}/human` });
    for await (const event of person.runEvents(started.runId)) {
      if (event.type === 'run' && event.run.state === 'WAITING') break;
    }
    const pending = await person.getRun(started.runId);
    assert.equal(pending.approvals[0]?.taskId, 'sign');
    const answer = await person.respondToApproval(started.runId, 'sign', { approved: true, comment: 'looks right' });
    assert.equal(answer.accepted, true);
    const run = await person.waitForRun(started.runId);
    assert.equal(run.state, 'COMPLETED');
    const sign = await person.getRun(started.runId, { taskId: 'sign' });
    const output = sign.taskOutput?.value as { by?: string; approved?: boolean } | undefined;
    assert.equal(output?.approved, true);
    assert.match(String(output?.by), /^Grace Hopper \(key:weft_/);
  });

  it('throws a typed WeftApiError with code and every problem for an invalid flow (422)', async () => {
    const error = await admin.saveFlow(`${NS}/broken`, INVALID).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof WeftApiError, String(error));
    assert.equal(error.status, 422);
    assert.equal(error.code, 'FLOW_INVALID');
    assert.ok(error.problems.length >= 2, JSON.stringify(error.problems));
    assert.ok(error.problems.every((p) => typeof p.path === 'string' && typeof p.message === 'string'));
    const missing = await admin.getRun('no-such-run').catch((e: unknown) => e);
    assert.ok(missing instanceof WeftApiError);
    assert.equal(missing.code, 'RUN_NOT_FOUND');
    assert.equal(missing.status, 404);
    const anonymous = await new WeftClient({ url: server.base }).listFlows().catch((e: unknown) => e);
    assert.ok(anonymous instanceof WeftApiError);
    assert.equal(anonymous.status, 401);
  });

  it('sets, lists and removes a named limit, and restarts an ended run', async () => {
    const set = await admin.setLimit('client-api', 3);
    assert.equal(set.limit?.limit, 3);
    assert.deepEqual(
      (await admin.listLimits({ name: 'client-api' })).limits.map((l) => l.name),
      ['client-api'],
    );
    assert.equal((await admin.removeLimit('client-api')).limit, null);
    const ended = await admin.startRun({ flow: `${NS}/steps`, inputs: { name: 'first' }, waitSeconds: 20 });
    const again = await admin.restartRun(ended.runId, { fromTask: 'two', inputs: { name: 'again' }, waitSeconds: 20 });
    assert.equal(again.state, 'COMPLETED');
    const refused = await person.setLimit('client-api', 1).catch((e: unknown) => e);
    assert.ok(refused instanceof WeftApiError && refused.status === 403, String(refused));
  });

  it('is typed from the tools\u2019 schemas', async () => {
    const page = await admin.listFlows({ namespace: NS, limit: 10 });
    const names: string[] = page.flows.map((f) => f.flow);
    assert.ok(names.includes(`${NS}/steps`));
    // @ts-expect-error: list_flows has no argument "namespaces"
    await admin.listFlows({ namespaces: NS }).catch(() => undefined);
    // @ts-expect-error: a run's state is one of the run states
    const state: 'DONE' = (await admin.listRuns({ limit: 1 })).runs[0]?.state ?? 'DONE';
    assert.ok(state);
  });
});
