// GET /metrics on the HTTP server: open on a loopback bind without keys, and where keys are
// required, only to a key not limited to one namespace (the counts name every flow).

import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { metricsRoute } from '../../src/adapters/http/metrics-route.js';
import { type ApiFixture, apiFixture } from './api-fixture.js';

/** Stands in for the Prometheus exporter: the route's checks are under test, not the format. */
const source = {
  getMetricsRequestHandler(_req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('weft_runs_started_total{flow="a/b",trigger="api"} 1\n');
  },
};

describe('the /metrics route', () => {
  let fixture: ApiFixture;
  before(async () => {
    fixture = await apiFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  it('serves the metrics on a loopback server without keys', async () => {
    const server = await fixture.serve({ routes: [metricsRoute(source)] });
    const response = await fetch(`${server.base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /weft_runs_started_total/);
    assert.equal((await fetch(`${server.base}/metrics`, { method: 'POST' })).status, 405);
  });

  it('asks for a key when the server requires keys, and refuses a key limited to a namespace', async () => {
    const server = await fixture.serve({ auth: true, routes: [metricsRoute(source)] });
    const anonymous = await fetch(`${server.base}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="weft"');
    const teamKey = (await fixture.keys.create({ scope: 'admin', name: 'team', namespace: 'team-a' })).token;
    const team = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${teamKey}` } });
    assert.equal(team.status, 403);
    assert.match(await team.text(), /metrics cover every namespace/);
    const readKey = (await fixture.keys.create({ scope: 'read', name: 'scraper' })).token;
    const scraper = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${readKey}` } });
    assert.equal(scraper.status, 200);
    assert.match(await scraper.text(), /weft_runs_started_total/);
  });
});
