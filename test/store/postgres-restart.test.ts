// A PostgreSQL restart does not take Weft down: with a worker process and `weft mcp --http` on a
// private PostgreSQL of this test's own, the database is stopped (fast shutdown) while a run is
// in progress and again while everything is idle. Both processes stay up, MCP answers a clear
// STORE_UNAVAILABLE meanwhile, the run completes once the database is back, a run started after
// recovery completes too, and every log line of both runs is in the store.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LogService } from '../../src/services/log-service.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { AuditLog } from '../../src/services/security/audit-log.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../testbed/private-postgres.js';
import { freePort } from '../helpers/free-port.js';
import { WEFT_BIN } from '../helpers/mcp-clients.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const FLOW = flowFrom(`
id: outage
namespace: pg
inputs: [{ id: tag, type: string }]
tasks:
  - { id: before, type: log, message: "before {{ inputs.tag }}" }
  - { id: nap, type: sleep, duration: 3s }
  - { id: after, type: log, message: "after {{ inputs.tag }}" }
outputs: { tag: "{{ inputs.tag }}" }
`);

describe('a PostgreSQL restart', () => {
  let env: TestEnv;
  let postgres: PrivatePostgres;
  let store: Store;
  let worker: WorkerProcess;
  let mcp: ChildProcess;
  let mcpOutput = '';
  let mcpUrl = '';

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    postgres = await startPrivatePostgres(await freePort());
    store = await openStore({ dataDir: env.dataDir, url: postgres.url });
    const processEnv = { WEFT_DATA_DIR: env.dataDir, WEFT_DATABASE_URL: postgres.url, WEFT_TASK_QUEUE: env.taskQueue, WEFT_LOG_LEVEL: 'warn' };
    worker = spawnWorker(processEnv);
    const port = await freePort();
    mcp = spawn(process.execPath, [WEFT_BIN, 'mcp', '--http', '--port', String(port)], {
      env: { ...process.env, ...processEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    mcp.stdout?.on('data', (c: Buffer) => (mcpOutput += c.toString()));
    mcp.stderr?.on('data', (c: Buffer) => (mcpOutput += c.toString()));
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    await waitFor('weft mcp --http', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok ? true : undefined), 30_000);
  });
  after(async () => {
    if (mcp && mcp.exitCode === null) mcp.kill('SIGKILL');
    await worker?.kill();
    await store?.close().catch(() => undefined);
    await postgres?.stop();
    await env?.close();
  });

  async function callMcp(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const client = new McpClient({ name: 'pg-restart-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
    try {
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    } finally {
      await client.close();
    }
  }

  function assertAlive(): void {
    assert.equal(worker.child.exitCode, null, `the worker is still up:\n${worker.output()}`);
    assert.equal(mcp.exitCode, null, `weft mcp is still up:\n${mcpOutput}`);
  }

  const messages = async (runId: string) => (await new LogService(store).query({ runId, limit: 100 })).entries.map((e) => e.message);

  it('keeps the processes up, pauses the run, and finishes it with every log line once PostgreSQL is back', { timeout: 180_000 }, async () => {
    const { runId } = await startRun(env.client, { flow: FLOW, inputs: { tag: 'one' }, taskQueue: env.taskQueue });
    await waitFor('the first log line', async () => ((await messages(runId)).includes('before one') ? true : undefined), 30_000, 100);

    await postgres.pause();
    // The sleep ends and the next log line is due while the database is away.
    await delay(6000);
    assertAlive();
    const during = await callMcp('list_flows', {});
    assert.equal(during.isError, true);
    assert.match(JSON.stringify(during.content), /STORE_UNAVAILABLE|store at postgres:\/\/.* is unavailable/);
    const refusedSave = await callMcp('save_flow', { flow: 'id: during\nnamespace: pg\ntasks:\n  - { id: a, type: log, message: hi }\n' });
    assert.equal(refusedSave.isError, true);
    await postgres.resume();

    assertCompleted(await waitForRun(env.client, runId));
    const lines = await waitFor('the lines written during the outage', async () => {
      const found = await messages(runId);
      return found.includes('after one') ? found : undefined;
    });
    assert.ok(lines.includes('before one'));
    // The audit record of the call made during the outage waited for the store, and is there.
    const audited = await waitFor('the audit record of the save during the outage', async () => {
      const { entries } = await new AuditLog(store).query({ tool: 'save_flow' });
      return entries.length > 0 ? entries : undefined;
    });
    assert.equal(audited[0]?.errorCode, 'STORE_UNAVAILABLE');
    assertAlive();
  });

  it('survives an outage while idle, and serves a new run after it', { timeout: 180_000 }, async () => {
    // Idle pooled connections are cut here: each one's loss must be handled, not thrown.
    await postgres.pause();
    await delay(3000);
    assertAlive();
    await postgres.resume();

    const { runId } = await startRun(env.client, { flow: FLOW, inputs: { tag: 'two' }, taskQueue: env.taskQueue });
    const view = await waitForRun(env.client, runId);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { tag: 'two' });
    const lines = await waitFor('the new run’s lines', async () => {
      const found = await messages(runId);
      return found.includes('after two') ? found : undefined;
    });
    assert.ok(lines.includes('before two'));
    const listed = await callMcp('list_flows', {});
    assert.notEqual(listed.isError, true, JSON.stringify(listed.content));
    assertAlive();
  });
});
