// A large output produced on one worker process is read by a later task on another, with its own
// data directory: the claim-checked payload lives in the PostgreSQL store both share.

import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { FlowService } from '../../src/services/flow-service.js';
import { ClaimCheckNotFoundError, ClaimCheckStore } from '../../src/services/outputs/claim-check-store.js';
import { RunService } from '../../src/services/run-service.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { claimCheckDataConverter } from '../../src/services/temporal/claim-check-codec.js';
import { bigBody, bigOutputFlow } from '../helpers/big-output.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestPostgresDatabase } from '../helpers/stores.js';
import { assertCompleted, createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const workDir = (prefix: string) => mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), prefix));

describe('large outputs across worker processes sharing a PostgreSQL store', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let store: Store;
  let client: Client;
  let databaseUrl: string;
  const workers: WorkerProcess[] = [];
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    http = await startHttpServer();
    http.route('/big', (_req, res) => json(res, 200, bigBody()));
    databaseUrl = await createTestPostgresDatabase();
    store = await openStore({ url: databaseUrl, dataDir: await workDir('client-') });
    // A client of the same store, as `weft` with WEFT_DATABASE_URL builds it.
    client = new Client({ connection: env.client.connection, namespace: 'default', dataConverter: claimCheckDataConverter(new ClaimCheckStore(store)) });
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await store.close();
    await env.close();
    await http.close();
  });

  it('reads on worker B a 1 MB output that worker A produced, with another data directory', { timeout: 120_000 }, async () => {
    const dirA = await workDir('worker-a-');
    const dirB = await workDir('worker-b-');
    const common = { WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATABASE_URL: databaseUrl };
    const a = spawnWorker({ ...common, WEFT_DATA_DIR: dirA });
    workers.push(a);
    const flow = bigOutputFlow(http.url, '  - { id: nap, type: sleep, duration: 3s }');
    const { runId } = await startRun(client, { flow, taskQueue: env.taskQueue });
    const handle = client.workflow.getHandle(runId);
    await waitFor(
      'the fetch task to complete on worker A',
      async () => ((await handle.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes) ? true : undefined),
      60_000,
    );
    await a.kill('SIGKILL');
    const b = spawnWorker({ ...common, WEFT_DATA_DIR: dirB });
    workers.push(b);
    const view = await waitForRun(client, runId);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { n: 10_000, last: 9999 });
    // The workflow task that read the output (after the sleep) ran on worker B.
    const { events } = await handle.fetchHistory();
    const fired = events?.findIndex((e) => e.timerFiredEventAttributes) ?? -1;
    const reader = events?.slice(fired).find((e) => e.workflowTaskCompletedEventAttributes)?.workflowTaskCompletedEventAttributes?.identity;
    assert.ok(fired >= 0 && reader?.includes(`data=${dirB}`), `the reading workflow task ran on ${reader}`);
    const { historySize } = await handle.describe();
    assert.ok(historySize !== undefined && historySize < 64 * 1024, `the history is ${historySize} bytes`);
    // Nothing went to worker A's data directory: the payload is in the shared store.
    assert.ok(!(await readdir(dirA)).includes('outputs'), 'no outputs directory on worker A');
    const page = await new RunService(client, new FlowService(store), env.taskQueue).taskOutputPage(runId, 'fetch', undefined, undefined);
    assert.ok(page.found && (page.totalBytes ?? 0) > 1_000_000, `page: ${JSON.stringify(page).slice(0, 200)}`);
    // A client of another store cannot read the payload, and says which key and which store.
    const elsewhere = new RunService(env.client, new FlowService(env.store), env.taskQueue);
    await assert.rejects(elsewhere.taskOutputPage(runId, 'fetch', undefined, undefined), (error: unknown) => {
      assert.ok(error instanceof ClaimCheckNotFoundError, `got ${(error as Error).name}: ${(error as Error).message}`);
      assert.match(error.message, new RegExp(`^claim-check payload [0-9a-f]{64} is not in the store at ${env.store.location}$`));
      return true;
    });
  });
});
