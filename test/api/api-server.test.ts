// `weft server` serves the JSON API beside /mcp and /hooks on one port and prints its address:
// a real process with its own worker, driven with the client from outside.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const FLOW =
  'id: served\nnamespace: api-server\ndescription: d\ntasks:\n  - { id: a, type: log, message: "served {{ inputs.who }}" }\ninputs:\n  - { id: who, type: string }\noutputs:\n  who: "{{ inputs.who }}"\n';

describe('weft server and the JSON API', () => {
  let env: TestEnv;
  let server: ChildProcess;
  let output = '';
  let apiUrl: string;

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    server = spawn(process.execPath, [WEFT_BIN, 'server', '--mcp-port', '0'], { env: weftEnv(env, { WEFT_LOG_LEVEL: 'info' }) });
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    apiUrl = await waitFor(
      'weft server to be up',
      async () => {
        if (server.exitCode !== null) throw new Error(`weft server exited: ${output}`);
        return /weft server up.*, API (http:\/\/\S+\/api\/v1)/.exec(output)?.[1];
      },
      90_000,
      200,
    );
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await env?.close();
  });

  it('prints the API address on the MCP port and serves runs through it', { timeout: 60_000 }, async () => {
    const mcp = /MCP (http:\/\/\S+)\/mcp/.exec(output)?.[1];
    assert.equal(new URL(apiUrl).origin, mcp && new URL(mcp).origin, 'one port serves MCP and the API');
    const weft = new WeftClient({ url: apiUrl });
    await weft.saveFlow('api-server/served', FLOW);
    const { runId } = await weft.startRun({ flow: 'api-server/served', inputs: { who: 'process' } });
    const run = await weft.waitForRun(runId);
    assert.equal(run.state, 'COMPLETED');
    assert.deepEqual(run.outputs, { who: 'process' });
    assert.equal((await weft.getRun(runId)).trigger, 'api', 'a run the API starts says so');
    const openapi = await fetch(`${apiUrl}/openapi.json`);
    assert.equal(openapi.status, 200);
    // The web console on the same port, its address printed beside the API's.
    const consoleUrl = /, console (http:\/\/\S+\/)[;,]/.exec(output)?.[1];
    assert.equal(consoleUrl && new URL(consoleUrl).origin, new URL(apiUrl).origin);
    const page = await fetch(`${consoleUrl}runs/${runId}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
  });
});
