// The egress policy in a real service: a `weft dev` process whose operator allows loopback
// (WEFT_HTTP_ALLOWED_HOSTS=127.0.0.1,localhost) still keeps flows off its own MCP endpoint and
// its Temporal server's ports, reaches an allowed loopback server, and stays up for the next run.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe("http tasks in a running weft dev cannot call Weft's or Temporal's own ports", () => {
  let dev: ChildProcess | undefined;
  let http: TestHttpServer | undefined;
  let output = '';

  after(async () => {
    const child = dev;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    await http?.close();
  });

  it('refuses the MCP endpoint and Temporal gRPC, Web UI, HTTP API and metrics ports even with loopback allowed, and runs on', {
    timeout: 240_000,
  }, async () => {
    http = await startHttpServer();
    http.route('/', (_req, res) => json(res, 200, { reached: true }));
    const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'egress-'));
    const [port, uiPort, mcpPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DATA_DIR: dataDir, WEFT_HTTP_ALLOWED_HOSTS: '127.0.0.1,localhost' };
    delete env.TEMPORAL_ADDRESS;
    delete env.WEFT_TASK_QUEUE;
    dev = spawn(process.execPath, [BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--mcp-port', String(mcpPort), '--no-example'], { env });
    dev.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('weft dev to be up', async () => (output.includes('Weft is up') ? true : undefined), 120_000, 200);

    // The ports the Temporal server was told to open besides gRPC and the UI, from its command line.
    const { stdout: children } = await run('ps', ['-o', 'args=', '--ppid', String(dev.pid)]);
    const httpApiPort = /--http-port (\d+)/.exec(children)?.[1];
    const metricsPort = /--metrics-port (\d+)/.exec(children)?.[1];
    assert.ok(httpApiPort && metricsPort, children);
    const file = join(dataDir, 'egress.yaml');
    await writeFile(
      file,
      `id: egress
namespace: attack
tasks:
  - { id: mcp, type: http, method: POST, url: "http://127.0.0.1:${mcpPort}/mcp", json: { jsonrpc: "2.0", id: 1, method: tools/list }, allowFailure: true }
  - { id: mcpByName, type: http, url: "http://localhost:${mcpPort}/healthz", allowFailure: true }
  - { id: grpc, type: http, url: "http://127.0.0.1:${port}/", allowFailure: true }
  - { id: ui, type: http, url: "http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows", allowFailure: true }
  - { id: httpApi, type: http, url: "http://127.0.0.1:${httpApiPort}/api/v1/namespaces", allowFailure: true }
  - { id: metrics, type: http, url: "http://localhost:${metricsPort}/metrics", allowFailure: true }
  - { id: allowed, type: http, url: "${http.url}/" }
outputs: { reached: "{{ outputs.allowed.body.reached }}" }
`,
    );
    const cliEnv = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
    const weft = async (...args: string[]) => JSON.parse((await run(process.execPath, [BIN, ...args, '--json'], { env: cliEnv })).stdout);
    const view = await weft('run', 'start', file, '--wait');
    assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    assert.deepEqual(view.outputs, { reached: true });
    const task = (id: string) => view.tasks.find((t: { id: string }) => t.id === id);
    for (const [id, what] of [
      ['mcp', "Weft's own MCP endpoint"],
      ['mcpByName', "Weft's own MCP endpoint"],
      ['grpc', "the Temporal server's gRPC port"],
      ['ui', "the Temporal server's Web UI"],
      ['httpApi', "the Temporal server's HTTP API"],
      ['metrics', "the Temporal server's metrics endpoint"],
    ] as const) {
      assert.equal(task(id)?.error?.type, 'HttpHostNotAllowed', `${id}: ${JSON.stringify(task(id))}`);
      assert.ok(task(id)?.error?.message.includes(`is ${what}, which flows may not call`), task(id)?.error?.message);
      assert.match(task(id)?.error?.message ?? '', /lists exactly \S+:\d+ in WEFT_HTTP_ALLOWED_HOSTS/);
    }
    const next = await weft('run', 'start', file, '--wait');
    assert.equal(next.state, 'COMPLETED', 'the service is still up and runs the next run');
    assert.equal(dev.exitCode, null);
  });
});
