// The JSON API's keys, as MCP's: no key or a bad one is 401; a key's scope, namespace binding and
// script permission are 403; mutating calls (and refusals) go to the audit log; a person's key
// answers an approval as that person; a store that is away is 503 with Retry-After.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../testbed/private-postgres.js';
import { freePort } from '../helpers/free-port.js';
import { type ApiFixture, type ApiServer, apiFixture, call, errorOf } from './api-fixture.js';

const PLAIN = 'id: plain\nnamespace: team-a\ndescription: plain\ntasks:\n  - { id: a, type: log, message: hi }\n';
const OTHER = 'id: other\nnamespace: team-b\ndescription: other\ntasks:\n  - { id: a, type: log, message: hi }\n';
const SCRIPTED = 'id: scripted\nnamespace: team-a\ndescription: s\ntasks:\n  - { id: s, type: script, language: bash, script: "echo hi" }\n';
const HUMAN = 'id: human\nnamespace: team-a\ndescription: needs a person\ntasks:\n  - { id: sign, type: approval, message: sign?, approvers: human }\n';

describe('the JSON API with API keys', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let api: string;
  const tokens: Record<string, string> = {};

  before(async () => {
    fixture = await apiFixture();
    const { keys } = fixture;
    tokens.read = (await keys.create({ scope: 'read', name: 'reader' })).token;
    tokens.run = (await keys.create({ scope: 'run', name: 'runner' })).token;
    tokens.teamA = (await keys.create({ scope: 'run', name: 'team-a', namespace: 'team-a' })).token;
    tokens.admin = (await keys.create({ scope: 'admin', name: 'admin' })).token;
    tokens.person = (await keys.create({ scope: 'run', name: 'Ada Lovelace', person: true })).token;
    server = await fixture.serve({ auth: true });
    api = server.api;
    for (const flow of [PLAIN, OTHER, SCRIPTED, HUMAN]) {
      const saved = await call(`${api}/flows/validate`, { body: { flow }, token: tokens.admin });
      assert.equal(saved.body.valid, true, JSON.stringify(saved.body));
      const [, id] = /^id: (\S+)/.exec(flow) ?? [];
      const [, ns] = /namespace: (\S+)/.exec(flow) ?? [];
      assert.equal((await call(`${api}/flows/${ns}/${id}`, { method: 'PUT', body: { flow }, token: tokens.admin })).status, 200);
    }
  });
  after(async () => {
    await fixture?.close();
  });

  it('answers 401 without a key or with a bad or revoked one, and records the refusal', async () => {
    const none = await call(`${api}/flows`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="weft"');
    assert.equal(errorOf(none).code, 'API_KEY_INVALID');
    const bad = await call(`${api}/flows`, { token: 'weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    assert.equal(bad.status, 401);
    const revoked = await fixture.keys.create({ scope: 'admin', name: 'gone' });
    await fixture.keys.revoke(revoked.id);
    assert.equal((await call(`${api}/flows`, { token: revoked.token })).status, 401);
    await fixture.audited({ tool: 'authenticate' }, (entries) => entries.some((e) => e.actor === `key:${revoked.prefix}`));
    const openapi = await call(`${api}/openapi.json`);
    assert.equal(openapi.status, 200, 'the API description needs no key');
  });

  it('refuses what a key\u2019s scope does not allow with 403 and records it', async () => {
    const listed = await call(`${api}/flows`, { token: tokens.read });
    assert.equal(listed.status, 200);
    const start = await call(`${api}/runs`, { body: { flow: 'team-a/plain' }, token: tokens.read });
    assert.equal(start.status, 403);
    assert.equal(errorOf(start).code, 'TOOL_NOT_ALLOWED');
    const remove = await call(`${api}/flows/team-a/plain`, { method: 'DELETE', token: tokens.run });
    assert.equal(remove.status, 403);
    await fixture.audited({ tool: 'delete_flow' }, (entries) => entries.some((e) => e.outcome === 'error' && e.errorCode === 'TOOL_NOT_ALLOWED'));
  });

  it('keeps a namespace-bound key inside its namespace (403) and a key without script rights away from scripts (403)', async () => {
    assert.equal((await call(`${api}/flows/team-a/plain`, { token: tokens.teamA })).status, 200);
    const foreign = await call(`${api}/flows/team-b/other`, { token: tokens.teamA });
    assert.equal(foreign.status, 403);
    assert.equal(errorOf(foreign).code, 'ACCESS_DENIED');
    const runForeign = await call(`${api}/runs`, { body: { flow: 'team-b/other' }, token: tokens.teamA });
    assert.equal(runForeign.status, 403);
    const started = await call(`${api}/runs`, { body: { flow: 'team-b/other', waitSeconds: 20 }, token: tokens.admin });
    assert.equal(started.body.state, 'COMPLETED', JSON.stringify(started.body));
    const otherRun = await call(`${api}/runs/${started.body.runId}`, { token: tokens.teamA });
    assert.equal(otherRun.status, 403);
    const otherLogs = await call(`${api}/runs/${started.body.runId}/logs`, { token: tokens.teamA });
    assert.equal(otherLogs.status, 403);
    const listForeign = await call(`${api}/runs?namespace=team-b`, { token: tokens.teamA });
    assert.equal(listForeign.status, 403);
    const script = await call(`${api}/runs`, { body: { flow: 'team-a/scripted' }, token: tokens.run });
    assert.equal(script.status, 403);
    assert.match(errorOf(script).message, /script/);
    await fixture.audited({ tool: 'get_flow' }, (entries) => entries.some((e) => e.outcome === 'error' && e.errorCode === 'ACCESS_DENIED'));
  });

  it('writes an audit record for a mutating call: who, what, arguments, outcome', async () => {
    const run = await call(`${api}/runs`, { body: { flow: 'team-a/plain', waitSeconds: 20, inputs: {} }, token: tokens.run });
    assert.equal(run.status, 200);
    const [entry] = await fixture.audited({ tool: 'run_flow' }, (entries) => entries.some((e) => e.runId === run.body.runId));
    const mine = (await fixture.audited({ tool: 'run_flow' }, () => true)).find((e) => e.runId === run.body.runId) ?? entry;
    assert.ok(mine);
    assert.match(mine.actor, /^key:weft_/);
    assert.equal(mine.outcome, 'ok');
    assert.equal(mine.flow, 'team-a/plain');
    assert.equal((mine.arguments as { flow?: string }).flow, 'team-a/plain');
    const listed = await call(`${api}/runs?flow=team-a/plain`, { token: tokens.run });
    assert.ok((listed.body.runs as Array<{ runId: string }>).some((r) => r.runId === run.body.runId));
  });

  it('answers an approvers: human approval as the person whose key it is; an agent key is refused', async () => {
    const started = await call(`${api}/runs`, { body: { flow: 'team-a/human', waitSeconds: 10 }, token: tokens.run });
    assert.equal(started.body.state, 'WAITING', JSON.stringify(started.body));
    const runId = started.body.runId as string;
    const agent = await call(`${api}/runs/${runId}/approvals/sign`, { body: { approved: true }, token: tokens.run });
    assert.equal(agent.status, 409, JSON.stringify(agent.body));
    assert.equal(errorOf(agent).code, 'APPROVAL_NOT_ACCEPTED');
    const person = await call(`${api}/runs/${runId}/approvals/sign`, { body: { approved: true, comment: 'signed' }, token: tokens.person });
    assert.equal(person.status, 200, JSON.stringify(person.body));
    assert.equal(person.body.accepted, true);
    const done = await call(`${api}/runs/${runId}?waitSeconds=20&taskId=sign`, { token: tokens.run });
    assert.equal(done.body.state, 'COMPLETED');
    const output = (done.body.taskOutput as { value?: { by?: string } } | undefined)?.value;
    assert.match(String(output?.by), /^Ada Lovelace \(key:weft_/);
    await assert.rejects(fixture.keys.create({ scope: 'run', person: true }), /API key name is required for a person's key/);
    assert.equal((await fixture.keys.list()).find((k) => k.name === 'Ada Lovelace')?.person, true);
  });

  it('refuses every mutating route on a read-only server (403) and still reads', async () => {
    const readOnly = await fixture.serve({ auth: true, readOnly: true });
    assert.equal((await call(`${readOnly.api}/flows`, { token: tokens.admin })).status, 200);
    const refused = await call(`${readOnly.api}/runs`, { body: { flow: 'team-a/plain' }, token: tokens.admin });
    assert.equal(refused.status, 403);
  });
});

describe('the JSON API when its store is away', () => {
  let fixture: ApiFixture;
  let postgres: PrivatePostgres;
  let store: Store;

  before(async () => {
    fixture = await apiFixture();
    postgres = await startPrivatePostgres(await freePort());
    store = await openStore({ dataDir: fixture.env.dataDir, url: postgres.url });
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    await postgres?.stop();
    await fixture?.close();
  });

  it('answers 503 with Retry-After while the store cannot be reached, for a read and for a key check', async () => {
    const keys = new ApiKeyService(store);
    const token = (await keys.create({ scope: 'read', name: 'reader' })).token;
    const open = await fixture.serve({ services: { logs: new LogService(store) } });
    const keyed = await fixture.serve({ auth: true, keys });
    await postgres.pause();
    try {
      const logs = await call(`${open.api}/logs?flow=a/b`);
      assert.equal(logs.status, 503);
      assert.equal(logs.headers.get('retry-after'), '5');
      assert.equal(errorOf(logs).code, 'STORE_UNAVAILABLE');
      const key = await call(`${keyed.api}/flows`, { token });
      assert.equal(key.status, 503);
      assert.equal(key.headers.get('retry-after'), '5');
    } finally {
      await postgres.resume();
    }
  });
});
