// `weft server --queue NAME`: the server's process serves a worker group beside Weft's own queue,
// so a task with `queue: gpu` runs on the server's gpu worker and the others on its own worker,
// as each task run's `worker` shows; a bad name is refused before anything starts.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WeftClient } from '../../src/adapters/client/weft-client.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);

describe('weft server --queue', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let server: ChildProcess | undefined;
  let output = '';

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    http = await startHttpServer();
    http.route('/', (req, res) => json(res, 200, { path: req.url }));
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await env.close();
    await http.close();
  });

  it('is in the help, and a name that is not a queue name is refused with the rule', async () => {
    const help = await run(process.execPath, [WEFT_BIN, 'server', '--help']);
    assert.match(help.stdout, /--queue <name>\s+also serve this worker group/);
    const refused = await run(process.execPath, [WEFT_BIN, 'server', '--queue', 'no spaces'], { env: weftEnv(env) }).then(
      () => assert.fail('weft server --queue "no spaces" should exit non-zero'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--queue "no spaces" is not a queue name/);
  });

  it('runs a task with queue: gpu on the server’s gpu worker and the rest on its own worker', { timeout: 180_000 }, async () => {
    server = spawn(process.execPath, [WEFT_BIN, 'server', '--mcp-port', '0', '--queue', 'gpu'], { env: weftEnv(env, { WEFT_LOG_LEVEL: 'info' }) });
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    const apiUrl = await waitFor(
      'weft server to be up',
      async () => {
        if (server?.exitCode !== null) throw new Error(`weft server exited: ${output}`);
        return /weft server up.*, API (http:\/\/\S+\/api\/v1)/.exec(output)?.[1];
      },
      120_000,
      200,
    );
    assert.match(output, /worker groups gpu/);
    const weft = new WeftClient({ url: apiUrl.replace(/,$/, '') });
    await weft.saveFlow(
      'test/groups',
      `id: groups\nnamespace: test\ntasks:\n  - { id: prepare, type: http, url: "${http.url}/cpu" }\n  - { id: train, type: http, url: "${http.url}/gpu", queue: gpu }\n`,
    );
    const { runId } = await weft.startRun({ flow: 'test/groups', inputs: {} });
    const ended = await weft.waitForRun(runId);
    assert.equal(ended.state, 'COMPLETED');
    const detail = await weft.getRun(runId);
    const worker = (id: string) => detail.tasks.find((t) => t.id === id)?.worker ?? '';
    assert.match(worker('train'), /queue=gpu/, `the gpu task ran on the server's gpu worker (got ${worker('train')})`);
    assert.ok(worker('prepare') && !worker('prepare').includes('queue='), `the other task ran on the server's own worker (got ${worker('prepare')})`);
  });
});
