// Who the console's calls are: on a loopback server without keys, an approval answered with the
// console's header from the server's own origin is the person at the machine's; the same header
// with no Origin (not a browser page) stays an agent's, and a foreign Origin is refused.

import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { type ApiFixture, type ApiServer, apiFixture, call, errorOf } from '../api/api-fixture.js';
import { waitFor } from '../helpers/wait-for.js';

const FLOW = `id: ask
namespace: console
description: one approval, approvers any so an agent may answer too
tasks:
  - { id: ok, type: approval, message: "go?", approvers: any }
outputs:
  by: "{{ outputs.ok.by }}"
`;

describe('the console answers approvals as a person', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let weft: WeftClient;
  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve();
    weft = new WeftClient({ url: server.base });
    await weft.saveFlow('console/ask', FLOW);
  });
  after(async () => fixture?.close());

  async function waitingRun(): Promise<string> {
    const { runId } = await weft.startRun({ flow: 'console/ask' });
    await waitFor('the approval to wait', async () => ((await weft.getRun(runId)).approvals.length ? true : undefined), 15_000, 50);
    return runId;
  }

  async function answeredBy(runId: string, headers: Record<string, string>): Promise<string> {
    const answer = await call(`${server.api}/runs/${runId}/approvals/ok`, { body: { approved: true }, headers });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return String((await weft.waitForRun(runId)).outputs?.by);
  }

  it('takes the header from the server’s own origin as the person at the machine', { timeout: 30_000 }, async () => {
    const by = await answeredBy(await waitingRun(), { 'x-weft-console': 'person', origin: server.base, 'sec-fetch-site': 'same-origin' });
    assert.equal(by, `${userInfo().username} (local)`);
  });

  it('keeps a call without Origin, or from another site, an agent’s', { timeout: 30_000 }, async () => {
    assert.equal(await answeredBy(await waitingRun(), { 'x-weft-console': 'person' }), 'agent (local)');
    assert.equal(await answeredBy(await waitingRun(), { 'x-weft-console': 'person', origin: server.base, 'sec-fetch-site': 'cross-site' }), 'agent (local)');
    const runId = await waitingRun();
    const foreign = await call(`${server.api}/runs/${runId}/approvals/ok`, {
      body: { approved: true },
      headers: { 'x-weft-console': 'person', origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
    assert.equal(errorOf(foreign).code, 'ORIGIN_NOT_ALLOWED');
    await weft.cancelRun(runId);
  });
});
