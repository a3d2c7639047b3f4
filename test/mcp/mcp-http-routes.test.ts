// `weft mcp --http` is a whole HTTP face of Weft, not MCP alone: the JSON API, webhooks and the
// console answer beside /mcp (src/app/server/http-routes.ts), and it says where.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type HttpMcpServer, startHttpMcp, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('weft mcp --http serves the API, webhooks and the console beside /mcp', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;

  before(async () => {
    env = await createTestEnv();
    mcp = await startHttpMcp(env);
  });
  after(async () => {
    await mcp.stop();
    await env.close();
  });

  it('saves a flow through the API that MCP then reads, serves the console page and a webhook answer, and prints both addresses', async () => {
    const base = new URL(mcp.url).origin;
    const flow = 'id: routed\nnamespace: faces\ntasks:\n  - { id: a, type: log, message: hi }\n';
    const saved = await fetch(`${base}/api/v1/flows/faces/routed`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ flow }),
    });
    assert.equal(saved.status, 200, await saved.clone().text());
    assert.equal(((await saved.json()) as { revision: number }).revision, 1);
    const client = await mcp.connect();
    const read = structured(await client.callTool({ name: 'get_flow', arguments: { flow: 'faces/routed' } }));
    assert.equal(read.revision, 1, 'the API and MCP share one store');

    const page = await fetch(`${base}/runs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<script type="module" src="\/assets\/[^"]+\.js"/);

    const hook = await fetch(`${base}/hooks/faces/routed/nothing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(hook.status, 404);
    assert.equal(((await hook.json()) as { error: { code: string } }).error.code, 'TRIGGER_NOT_FOUND');

    const said = await waitFor('the addresses in the output', async () => (mcp.output().includes('console at') ? mcp.output() : undefined));
    assert.match(said, new RegExp(`weft mcp: API at ${base}/api/v1/?, console at ${base}/`));
  });
});
