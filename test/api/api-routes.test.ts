// Every route of the JSON API on a real server on loopback (no keys: the person at the machine),
// against a real worker: the happy path, then each error status the contract gives the route.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, type ApiServer, apiFixture, call, errorOf } from './api-fixture.js';

const NS = 'api-routes';
const HELLO = `id: hello\nnamespace: ${NS}\ndescription: greets\ninputs:\n  - { id: name, type: string, default: world }\ntasks:\n  - { id: greet, type: log, message: "Hello, {{ inputs.name }}!" }\noutputs:\n  greeting: "Hello, {{ inputs.name }}"\n`;
const NEEDS_INPUT = `id: needs\nnamespace: ${NS}\ndescription: needs a count\ninputs:\n  - { id: count, type: integer }\ntasks:\n  - { id: a, type: log, message: "{{ inputs.count }}" }\n`;
const GATED = `id: gated\nnamespace: ${NS}\ndescription: waits for an answer\ntasks:\n  - { id: gate, type: approval, message: go?, approvers: any }\n  - { id: after, type: log, message: done }\n`;
const TICKING = `id: ticking\nnamespace: ${NS}\ndescription: a schedule\ntasks:\n  - { id: a, type: log, message: tick }\ntriggers:\n  - { id: nightly, type: schedule, cron: "0 3 * * *" }\n`;
const FAILING = `id: failing\nnamespace: ${NS}\ndescription: fails once\ninputs:\n  - { id: n, type: integer, default: 0 }\ntasks:\n  - { id: first, type: log, message: start }\n  - { id: divide, type: set, values: { x: "{{ 10 / inputs.n }}" } }\n`;
const INVALID = `id: broken\nnamespace: ${NS}\ntasks:\n  - { id: a, type: nope }\n  - { id: a, type: log }\n`;

describe('the JSON API routes', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let api: string;

  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve();
    api = server.api;
  });
  after(async () => {
    await fixture?.close();
  });

  it('GET /task-types lists the catalog; ?type= shows one; an unknown type is 404', async () => {
    const all = await call(`${api}/task-types`);
    assert.equal(all.status, 200);
    assert.ok((all.body.types as unknown[]).length > 5);
    const one = await call(`${api}/task-types?type=http`);
    assert.equal(one.status, 200);
    assert.equal((one.body.types as Array<{ type: string }>)[0]?.type, 'http');
    const unknown = await call(`${api}/task-types?type=nope`);
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown).code, 'TASK_TYPE_UNKNOWN');
  });

  it('POST /flows/validate takes JSON or YAML; a malformed body is 400, an unknown argument 400 with problems', async () => {
    const json = await call(`${api}/flows/validate`, { body: { flow: HELLO } });
    assert.equal(json.status, 200);
    assert.equal(json.body.valid, true);
    const yaml = await call(`${api}/flows/validate`, { raw: INVALID, headers: { 'content-type': 'application/yaml' } });
    assert.equal(yaml.status, 200);
    assert.equal(yaml.body.valid, false);
    assert.ok((yaml.body.errors as unknown[]).length >= 2, 'every problem is listed');
    const malformed = await call(`${api}/flows/validate`, { raw: '{"flow":', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(errorOf(malformed).code, 'MALFORMED_REQUEST');
    const unknown = await call(`${api}/flows/validate`, { body: { flow: HELLO, flwo: 1 } });
    assert.equal(unknown.status, 400);
    assert.equal(errorOf(unknown).code, 'INVALID_ARGUMENTS');
    assert.equal(errorOf(unknown).problems?.[0]?.path, 'flwo');
    const text = await call(`${api}/flows/validate`, { raw: 'flow', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
  });

  it('PUT /flows/{namespace}/{id} saves JSON or YAML; an invalid flow is 422 with every problem; a text naming another flow is 422', async () => {
    const saved = await call(`${api}/flows/${NS}/hello`, { method: 'PUT', body: { flow: HELLO, message: 'first' } });
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body, { flow: `${NS}/hello`, revision: 1, created: true });
    for (const text of [NEEDS_INPUT, GATED, TICKING, FAILING]) {
      const id = /^id: (\S+)/.exec(text)?.[1];
      const answer = await call(`${api}/flows/${NS}/${id}`, { method: 'PUT', raw: text, headers: { 'content-type': 'application/yaml' } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    const invalid = await call(`${api}/flows/${NS}/broken`, { method: 'PUT', body: { flow: INVALID } });
    assert.equal(invalid.status, 422);
    assert.equal(errorOf(invalid).code, 'FLOW_INVALID');
    assert.ok((errorOf(invalid).problems ?? []).length >= 2);
    assert.ok(errorOf(invalid).problems?.some((p) => p.path.startsWith('tasks[')));
    const elsewhere = await call(`${api}/flows/${NS}/other`, { method: 'PUT', body: { flow: HELLO } });
    assert.equal(elsewhere.status, 422);
    assert.equal(errorOf(elsewhere).code, 'FLOW_MISMATCH');
    assert.deepEqual(
      errorOf(elsewhere).problems?.map((p) => p.path),
      ['id'],
    );
  });

  it('GET /flows lists with a cursor; GET /flows/{namespace}/{id} reads one (404 unknown, 400 bad revision)', async () => {
    const first = await call(`${api}/flows?namespace=${NS}&limit=2`);
    assert.equal(first.status, 200);
    assert.equal((first.body.flows as unknown[]).length, 2);
    assert.equal(typeof first.body.nextCursor, 'string');
    const next = await call(`${api}/flows?namespace=${NS}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`);
    assert.equal(next.status, 200);
    assert.ok((next.body.flows as unknown[]).length >= 1);
    const badCursor = await call(`${api}/flows?cursor=garbage`);
    assert.equal(badCursor.status, 400);
    assert.equal(errorOf(badCursor).code, 'INVALID_CURSOR');
    const one = await call(`${api}/flows/${NS}/hello?revision=1`);
    assert.equal(one.status, 200);
    assert.equal(one.body.flow, `${NS}/hello`);
    assert.match(one.body.yaml as string, /id: hello/);
    assert.equal((await call(`${api}/flows/${NS}/missing`)).status, 404);
    const badRevision = await call(`${api}/flows/${NS}/hello?revision=zero`);
    assert.equal(badRevision.status, 400);
    assert.equal(errorOf(badRevision).problems?.[0]?.path, 'revision');
  });

  it('POST /runs starts a run and waits; the same idempotency key with other inputs is 409; invalid inputs 422; unknown flow 404', async () => {
    const run = await call(`${api}/runs`, { body: { flow: `${NS}/hello`, inputs: { name: 'api' }, waitSeconds: 20, idempotencyKey: 'routes-1' } });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(run.body.state, 'COMPLETED');
    assert.deepEqual(run.body.outputs, { greeting: 'Hello, api' });
    const again = await call(`${api}/runs`, { body: { flow: `${NS}/hello`, inputs: { name: 'api' }, idempotencyKey: 'routes-1' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.started, false);
    assert.equal(again.body.runId, run.body.runId);
    const conflict = await call(`${api}/runs`, { body: { flow: `${NS}/hello`, inputs: { name: 'other' }, idempotencyKey: 'routes-1' } });
    assert.equal(conflict.status, 409);
    assert.equal(errorOf(conflict).code, 'IDEMPOTENCY_CONFLICT');
    const invalid = await call(`${api}/runs`, { body: { flow: `${NS}/needs`, inputs: { count: 'many' } } });
    assert.equal(invalid.status, 422);
    assert.ok(errorOf(invalid).problems?.some((p) => p.path.includes('count')));
    const missing = await call(`${api}/runs`, { body: { flow: `${NS}/missing` } });
    assert.equal(missing.status, 404);
    const tooLarge = await call(`${api}/runs`, {
      raw: JSON.stringify({ flow: `${NS}/hello`, inputs: { big: 'x'.repeat(3 * 1024 * 1024) } }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(tooLarge.status, 413);
    assert.equal(errorOf(tooLarge).code, 'BODY_TOO_LARGE');
  });

  it('GET /runs lists runs with filters and a cursor; GET /runs/{runId} reads one (404 unknown)', async () => {
    await call(`${api}/runs`, { body: { flow: `${NS}/hello`, waitSeconds: 20 } });
    const listed = await call(`${api}/runs?flow=${NS}/hello&state=COMPLETED&limit=1`);
    assert.equal(listed.status, 200);
    const runs = listed.body.runs as Array<{ runId: string; flow: string }>;
    assert.equal(runs.length, 1);
    assert.equal(typeof listed.body.nextCursor, 'string');
    const badState = await call(`${api}/runs?state=DONE`);
    assert.equal(badState.status, 400);
    const run = await call(`${api}/runs/${encodeURIComponent(runs[0]?.runId ?? '')}?detail=full`);
    assert.equal(run.status, 200);
    assert.equal(run.body.state, 'COMPLETED');
    assert.ok((run.body.tasks as unknown[]).length >= 1);
    assert.equal((await call(`${api}/runs/no-such-run`)).status, 404);
  });

  it('POST /runs/{runId}/approvals/{taskId} answers; a second answer is not accepted; POST /runs/{runId}/cancel cancels', async () => {
    const started = await call(`${api}/runs`, { body: { flow: `${NS}/gated`, waitSeconds: 10 } });
    assert.equal(started.body.state, 'WAITING', JSON.stringify(started.body));
    const runId = started.body.runId as string;
    const notWaiting = await call(`${api}/runs/${runId}/approvals/after`, { body: { approved: true } });
    assert.equal(notWaiting.status, 409, JSON.stringify(notWaiting.body));
    assert.equal(errorOf(notWaiting).code, 'APPROVAL_NOT_ACCEPTED');
    const answered = await call(`${api}/runs/${runId}/approvals/gate`, { body: { approved: true, comment: 'ok' } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.accepted, true);
    const done = await call(`${api}/runs/${runId}?waitSeconds=20`);
    assert.equal(done.body.state, 'COMPLETED');
    const second = await call(`${api}/runs/${runId}/approvals/gate`, { body: { approved: false } });
    assert.equal(second.status, 200);
    assert.equal(second.body.accepted, false);
    assert.equal(second.body.code, 'APPROVAL_ALREADY_DECIDED');
    const ended = await call(`${api}/runs/${runId}/approvals/after`, { body: { approved: true } });
    assert.equal(ended.status, 409, JSON.stringify(ended.body));
    assert.match(errorOf(ended).message, new RegExp(`run ${runId} already ended COMPLETED`));
    const inPath = await call(`${api}/runs/${runId}/approvals/gate`, { body: { approved: true, runId: 'other' } });
    assert.equal(inPath.status, 400);

    const other = await call(`${api}/runs`, { body: { flow: `${NS}/gated` } });
    const cancelled = await call(`${api}/runs/${other.body.runId}/cancel`, { body: { reason: 'test' } });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.state, 'CANCELLED');
    assert.equal((await call(`${api}/runs/no-such-run/cancel`, { body: {} })).status, 404);
  });

  it('POST /runs/{runId}/approvals/{taskId} on a run that has ended is 409 RUN_ALREADY_ENDED naming the run and its state; an unknown run 404', async () => {
    const started = await call(`${api}/runs`, { body: { flow: `${NS}/gated`, waitSeconds: 10 } });
    assert.equal(started.body.state, 'WAITING', JSON.stringify(started.body));
    const runId = started.body.runId as string;
    const cancelled = await call(`${api}/runs/${runId}/cancel`, { body: { reason: 'test' } });
    assert.equal(cancelled.body.state, 'CANCELLED', JSON.stringify(cancelled.body));
    const late = await call(`${api}/runs/${runId}/approvals/gate`, { body: { approved: true } });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    const error = errorOf(late);
    assert.equal(error.code, 'RUN_ALREADY_ENDED');
    assert.equal(error.message, `run ${runId} already ended CANCELLED: approval gate can no longer be answered`);
    assert.match(error.hint ?? '', /get_run/);

    const unknown = await call(`${api}/runs/no-such-run/approvals/gate`, { body: { approved: true } });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.equal(errorOf(unknown).code, 'RUN_NOT_FOUND');
  });

  it('GET /runs/{runId}/logs and GET /logs read log entries; a bad level is 400', async () => {
    const run = await call(`${api}/runs`, { body: { flow: `${NS}/hello`, inputs: { name: 'logs' }, waitSeconds: 20 } });
    const runId = run.body.runId as string;
    const logs = await call(`${api}/runs/${runId}/logs?taskId=greet&contains=logs`);
    assert.equal(logs.status, 200);
    const entries = logs.body.entries as Array<{ message: string }>;
    assert.ok(entries.some((e) => e.message.includes('Hello, logs!')));
    const tail = await call(`${api}/runs/${runId}/logs?tail=1`);
    assert.equal((tail.body.entries as unknown[]).length, 1);
    const all = await call(`${api}/logs?flow=${NS}/hello&contains=logs`);
    assert.equal(all.status, 200);
    assert.ok((all.body.entries as unknown[]).length >= 1);
    assert.equal((await call(`${api}/logs?level=loud`)).status, 400);
    const none = await call(`${api}/runs/no-such-run/logs`);
    assert.deepEqual(none.body.entries, [], 'an unknown run has no log entries');
  });

  it('GET /triggers lists a flow\u2019s triggers, or every flow\u2019s without ?flow=; POST /triggers/.../{action} pauses, resumes and previews; 404 for an unknown trigger', async () => {
    const listed = await call(`${api}/triggers?flow=${NS}/ticking`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal((listed.body.triggers as Array<{ id: string }>)[0]?.id, 'nightly');
    // Without ?flow=, every flow's triggers, each naming its flow, a page at a time.
    const every = await call(`${api}/triggers?limit=10`);
    assert.equal(every.status, 200, JSON.stringify(every.body));
    const nightly = (every.body.triggers as Array<{ flow?: string; id: string; type: string }>).find((t) => t.flow === `${NS}/ticking`);
    assert.deepEqual([nightly?.id, nightly?.type], ['nightly', 'schedule']);
    assert.equal((await call(`${api}/triggers?cursor=nope`)).status, 400);
    const paused = await call(`${api}/triggers/${NS}/ticking/nightly/pause`, { body: {} });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(paused.body, { trigger: { id: 'nightly', paused: true } });
    const resumed = await call(`${api}/triggers/${NS}/ticking/nightly/resume`, { body: {} });
    assert.equal(resumed.status, 200);
    const preview = await call(`${api}/triggers/${NS}/ticking/nightly/preview`, { body: { count: 3 } });
    assert.equal((preview.body.trigger as { fires: unknown[] }).fires.length, 3);
    const badAction = await call(`${api}/triggers/${NS}/ticking/nightly/explode`, { body: {} });
    assert.equal(badAction.status, 400);
    const backfill = await call(`${api}/triggers/${NS}/ticking/nightly/backfill`, { body: {} });
    assert.equal(backfill.status, 400);
    const unknown = await call(`${api}/triggers/${NS}/ticking/nope/pause`, { body: {} });
    assert.equal(unknown.status, 404);
    assert.equal((await call(`${api}/triggers`)).status, 200, 'flow is optional');
    assert.equal((await call(`${api}/triggers?limit=0`)).status, 400);
  });

  it('POST /runs/{runId}/restart restarts an ended run from a task; a run still going is 409', async () => {
    const failed = await call(`${api}/runs`, { body: { flow: `${NS}/failing`, waitSeconds: 20 } });
    assert.equal(failed.body.state, 'FAILED', JSON.stringify(failed.body));
    const restarted = await call(`${api}/runs/${failed.body.runId}/restart`, { body: { inputs: { n: 2 }, waitSeconds: 20 } });
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    assert.equal(restarted.body.state, 'COMPLETED');
    assert.notEqual(restarted.body.runId, failed.body.runId);
    const going = await call(`${api}/runs`, { body: { flow: `${NS}/gated` } });
    const refused = await call(`${api}/runs/${going.body.runId}/restart`, { body: {} });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(errorOf(refused).code, 'RUN_STILL_GOING');
    await call(`${api}/runs/${going.body.runId}/cancel`, { body: { force: true } });
    assert.equal((await call(`${api}/runs/no-such-run/restart`, { body: {} })).status, 404);
  });

  it('PUT /limits/{name} sets a named limit, GET /limits lists it, DELETE removes it; a limit out of range is 400', async () => {
    const set = await call(`${api}/limits/api-routes-db`, { method: 'PUT', body: { limit: 2 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((set.body.limit as { limit: number }).limit, 2);
    const listed = await call(`${api}/limits?name=api-routes-db`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body.limits as Array<{ name: string; limit: number; inUse: number }>).map((l) => [l.name, l.limit, l.inUse]),
      [['api-routes-db', 2, 0]],
    );
    const outOfRange = await call(`${api}/limits/api-routes-db`, { method: 'PUT', body: { limit: 0 } });
    assert.equal(outOfRange.status, 400);
    assert.equal(errorOf(outOfRange).problems?.[0]?.path, 'limit');
    const removed = await call(`${api}/limits/api-routes-db`, { method: 'DELETE' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.limit, null);
  });

  it('DELETE /flows/{namespace}/{id} deletes; reading it then is 404', async () => {
    await call(`${api}/flows/${NS}/gone`, { method: 'PUT', body: { flow: HELLO.replace('id: hello', 'id: gone') } });
    const deleted = await call(`${api}/flows/${NS}/gone`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { deleted: true });
    assert.equal((await call(`${api}/flows/${NS}/gone`)).status, 404);
  });

  it('answers unknown paths 404 and wrong methods 405 with Allow, in the error shape', async () => {
    const unknown = await call(`${api}/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(errorOf(unknown).code, 'NOT_FOUND');
    const wrong = await call(`${api}/flows/validate`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.equal((await call(`${server.base}/api/v2/flows`)).status, 404);
  });

  it('refuses a request from another site\u2019s page (Origin) and a rebound Host name on loopback', async () => {
    const foreign = await call(`${api}/runs`, { body: { flow: `${NS}/hello` }, headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.status, 403);
    assert.equal(errorOf(foreign).code, 'ORIGIN_NOT_ALLOWED');
    const own = await call(`${api}/flows/validate`, { body: { flow: HELLO }, headers: { origin: server.base } });
    assert.equal(own.status, 200);
    // fetch sets Host itself, so the rebound name is sent with node:http.
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api}/flows`, { headers: { host: 'evil.example' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(rebound.status, 403);
    assert.equal((JSON.parse(rebound.body) as { error: { code: string } }).error.code, 'HOST_NOT_ALLOWED');
  });
});
