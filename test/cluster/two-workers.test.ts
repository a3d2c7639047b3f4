// The cluster lane: a real Temporal server (not the dev server) whose persistence and visibility
// are PostgreSQL (testbed/private-temporal-server.ts), two `weft worker` processes with their own
// data directories, one PostgreSQL store and one secret key. Tasks land on both; a large output
// made on one is read on the other; a secret set once is used on both; a worker SIGKILLed mid-task
// costs the run nothing and no completed task runs twice.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import pg from 'pg';
import type { TaskRunRecord } from '../../src/core/runs/run-types.js';
import { FlowService } from '../../src/services/flow-service.js';
import { ClaimCheckStore } from '../../src/services/outputs/claim-check-store.js';
import { RunService } from '../../src/services/run-service.js';
import type { RunDetail } from '../../src/services/runs/run-detail.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { claimCheckDataConverter } from '../../src/services/temporal/claim-check-codec.js';
import { livePollers } from '../../src/services/temporal/store-identity.js';
import { bigBody } from '../helpers/big-output.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { WEFT_BIN } from '../helpers/mcp-clients.js';
import { createTestPostgresDatabase } from '../helpers/stores.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const workDir = (prefix: string) => mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), prefix));

function temporalDatabase(): string {
  const url = process.env.WEFT_TEST_TEMPORAL_DATABASE_URL;
  if (!url)
    throw new Error('WEFT_TEST_TEMPORAL_DATABASE_URL is not set: run the cluster lane with `npm test -- test/cluster`, which starts a real Temporal server');
  return url;
}

describe('cluster: two workers on a real Temporal server with PostgreSQL persistence and visibility', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let store: Store;
  let runs: RunService;
  let flows: FlowService;
  let workerEnv: Record<string, string>;
  const dirs: string[] = [];
  /** Worker 1 serves Weft's own queue and `one`, worker 2 Weft's own queue and `two`. */
  const workers: WorkerProcess[] = [];
  const pidOf = (index: number) => String(workers[index]?.child.pid);

  const task = (detail: RunDetail, id: string): TaskRunRecord => {
    const found = detail.tasks.find((t) => t.id === id);
    assert.ok(found, `no task run ${id} in ${detail.tasks.map((t) => t.id).join(', ')}`);
    return found;
  };
  const ranOn = (record: TaskRunRecord) => /^weft (\d+)@/.exec(record.worker ?? '')?.[1];
  const runToEnd = async (flow: string): Promise<RunDetail> => {
    const { runId } = await runs.start({ flow });
    const done = await waitFor(`run ${runId} to end`, async () => ((await runs.get(runId)).state === 'RUNNING' ? undefined : runs.get(runId)), 120_000, 250);
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    return done;
  };

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    http = await startHttpServer();
    const databaseUrl = await createTestPostgresDatabase();
    store = await openStore({ url: databaseUrl, dataDir: await workDir('cluster-client-') });
    // A client of the shared store, as `weft` with WEFT_DATABASE_URL builds it.
    const client = new Client({ connection: env.client.connection, namespace: 'default', dataConverter: claimCheckDataConverter(new ClaimCheckStore(store)) });
    flows = new FlowService(store);
    runs = new RunService(client, flows, env.taskQueue);
    workerEnv = {
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATABASE_URL: databaseUrl,
      WEFT_SECRET_KEY: randomBytes(32).toString('base64'),
      // One task at a time per worker group: two tasks running at once are on two workers.
      WEFT_MAX_CONCURRENT_ACTIVITIES: '1',
      WEFT_LOG_LEVEL: 'warn',
    };
    for (const group of ['one', 'two']) {
      const dir = await workDir(`cluster-worker-${group}-`);
      dirs.push(dir);
      workers.push(spawnWorker({ ...workerEnv, WEFT_DATA_DIR: dir }, ['--queue', 'default', '--queue', group]));
    }
    await waitFor(
      'both workers to poll Weft’s own task queue',
      async () => ((await livePollers(env.client.workflowService, 'default', env.taskQueue, 'activity')).length >= 2 ? true : undefined),
      90_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${workers.map((w) => w.output()).join('\n---\n')}`);
    });
  });
  after(async () => {
    for (const worker of workers) await worker.kill();
    await store?.close();
    await env?.close();
    await http?.close();
  });

  it('keeps runs in the Temporal server’s PostgreSQL, listed by Weft’s search attributes that the workers registered', { timeout: 120_000 }, async () => {
    http.route('/hello', (_req, res) => json(res, 200, { hello: true }));
    await flows.save(`id: hello\nnamespace: cluster\ntasks:\n  - { id: hit, type: http, url: "${http.url}/hello" }\n`);
    const done = await runToEnd('cluster/hello');
    const { customAttributes } = await env.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of ['WeftFlow', 'WeftNamespace', 'WeftRevision', 'WeftWaiting', 'WeftTrigger', 'WeftQueued', 'WeftRestartOf'])
      assert.ok(customAttributes && name in customAttributes, `${name} is not registered`);
    // Listed through a visibility query on WeftFlow (SQL visibility on PostgreSQL).
    const listed = await waitFor('the run in the flow’s list', async () => {
      const page = await runs.list({ flow: 'cluster/hello' });
      return page.runs.some((r) => r.runId === done.runId) ? page : undefined;
    });
    assert.equal(listed.runs.length, 1);
    // The run is a row of Temporal's own tables on PostgreSQL: this is no dev server with SQLite.
    const temporal = new pg.Client({ connectionString: temporalDatabase() });
    const visibility = new pg.Client({ connectionString: process.env.WEFT_TEST_TEMPORAL_VISIBILITY_URL });
    await temporal.connect();
    await visibility.connect();
    try {
      const current = await temporal.query('SELECT workflow_id FROM current_executions WHERE workflow_id = $1', [done.runId]);
      assert.equal(current.rowCount, 1, 'the run is in current_executions');
      const visible = await visibility.query('SELECT status, search_attributes::text AS attributes FROM executions_visibility WHERE workflow_id = $1', [
        done.runId,
      ]);
      assert.equal(visible.rowCount, 1, 'the run is in executions_visibility');
      assert.match(visible.rows[0].attributes, /cluster\/hello/);
    } finally {
      await temporal.end();
      await visibility.end();
    }
  });

  it('lands tasks on both workers', { timeout: 120_000 }, async () => {
    // Each request waits for the other: with one task at a time per worker, both run at once only
    // on two workers.
    const held: Array<() => void> = [];
    http.route('/pair', (_req, res) => {
      held.push(() => json(res, 200, { ok: true }));
      if (held.length % 2 === 0) for (const answer of held.splice(0)) answer();
    });
    await flows.save(
      `id: spread\nnamespace: cluster\ntasks:\n  - id: fan\n    type: parallel\n    tasks:\n${[0, 1, 2, 3].map((i) => `      - { id: t${i}, type: http, url: "${http.url}/pair" }`).join('\n')}\n`,
    );
    const done = await runToEnd('cluster/spread');
    const pids = new Set([0, 1, 2, 3].map((i) => ranOn(task(done, `t${i}`))));
    assert.deepEqual([...pids].sort(), [pidOf(0), pidOf(1)].sort(), JSON.stringify(done.tasks.map((t) => [t.id, t.worker])));
  });

  it('reads on worker 2 a 1 MB output that worker 1 produced, from the shared store', { timeout: 120_000 }, async () => {
    let received = 0;
    // Over 1 MB, and under the 1 MiB bound of an expression's result, which hands all of it to the next task.
    http.route('/big', (_req, res) => json(res, 200, bigBody(9_200)));
    http.route('/echo', (req, res) => {
      received = Buffer.byteLength(req.body);
      const rows = (JSON.parse(req.body) as ReturnType<typeof bigBody>).rows;
      json(res, 200, { rows: rows.length, last: rows.at(-1)?.i });
    });
    await flows.save(
      `id: big\nnamespace: cluster\ntasks:\n  - { id: fetch, type: http, url: "${http.url}/big", queue: one }\n  - { id: echo, type: http, method: POST, url: "${http.url}/echo", json: "{{ outputs.fetch.body }}", queue: two }\noutputs: { rows: "{{ outputs.echo.body.rows }}", last: "{{ outputs.echo.body.last }}" }\n`,
    );
    const done = await runToEnd('cluster/big');
    assert.equal(ranOn(task(done, 'fetch')), pidOf(0));
    assert.equal(ranOn(task(done, 'echo')), pidOf(1));
    assert.ok(received > 1_000_000, `worker 2 sent ${received} bytes`);
    assert.deepEqual(done.outputs, { rows: 9_200, last: 9_199 });
    // The payload crossed through the PostgreSQL store, neither Temporal's history nor a worker's data directory.
    const { historySize } = await env.client.workflow.getHandle(done.runId).describe();
    assert.ok(historySize !== undefined && historySize < 64 * 1024, `the history is ${historySize} bytes`);
    for (const dir of dirs) assert.ok(!(await readdir(dir)).includes('outputs'), `no outputs directory in ${dir}`);
  });

  it('uses a secret set once in the shared store from tasks on both workers', { timeout: 120_000 }, async () => {
    const value = `s3cret-${randomBytes(8).toString('hex')}`;
    await setSecret('CLUSTER_TOKEN', value, { ...workerEnv, WEFT_DATA_DIR: await workDir('cluster-cli-') });
    const seen: string[] = [];
    http.route('/secured', (req, res) => {
      seen.push(String(req.headers.authorization));
      json(res, 200, { ok: true });
    });
    const hit = (id: string, queue: string) =>
      `  - { id: ${id}, type: http, url: "${http.url}/secured", headers: { Authorization: "Bearer {{ secret('CLUSTER_TOKEN') }}" }, queue: ${queue} }`;
    await flows.save(`id: secured\nnamespace: cluster\ntasks:\n${hit('on1', 'one')}\n${hit('on2', 'two')}\n`);
    const done = await runToEnd('cluster/secured');
    assert.equal(ranOn(task(done, 'on1')), pidOf(0));
    assert.equal(ranOn(task(done, 'on2')), pidOf(1));
    assert.deepEqual(seen, [`Bearer ${value}`, `Bearer ${value}`]);
    assert.ok(!JSON.stringify(done).includes(value), 'the secret shows nowhere in the run');
  });

  it('completes a run whose worker is SIGKILLed mid-task, running no completed task twice', { timeout: 180_000 }, async () => {
    const counts = new Map<string, number>();
    const count = (path: string) => counts.set(path, (counts.get(path) ?? 0) + 1);
    http.route('/count/', (req, res) => {
      count(req.url);
      json(res, 200, { ok: true });
    });
    // The first call of the slow task hangs until its worker dies; the next one answers.
    http.route('/slow', (req, res) => {
      count(req.url);
      if ((counts.get(req.url) ?? 0) > 1) json(res, 200, { ok: true });
    });
    await flows.save(
      `id: survive\nnamespace: cluster\ntasks:\n  - { id: first, type: http, method: POST, url: "${http.url}/count/first" }\n  - { id: slow, type: http, url: "${http.url}/slow" }\n  - { id: last, type: http, method: POST, url: "${http.url}/count/last" }\n`,
    );
    const { runId } = await runs.start({ flow: 'cluster/survive' });
    const handle = env.client.workflow.getHandle(runId);
    const identity = await waitFor(
      'the slow task to run',
      async () => {
        if (!counts.get('/slow')) return undefined;
        return (await handle.describe()).raw.pendingActivities?.[0]?.lastWorkerIdentity ?? undefined;
      },
      60_000,
      100,
    );
    const victim = workers.findIndex((w) => identity.startsWith(`weft ${w.child.pid}@`));
    assert.ok(victim >= 0, `the slow task runs on ${identity}`);
    await workers[victim]?.kill('SIGKILL');
    const done = await waitFor('the run to end', async () => ((await runs.get(runId)).state === 'RUNNING' ? undefined : runs.get(runId)), 120_000, 250);
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    const survivor = pidOf(1 - victim);
    assert.equal(ranOn(task(done, 'slow')), survivor);
    assert.equal(ranOn(task(done, 'last')), survivor);
    assert.equal(task(done, 'slow').attempts, 1, 'a lost worker does not use up an attempt');
    assert.deepEqual(Object.fromEntries(counts), { '/count/first': 1, '/slow': 2, '/count/last': 1 });
  });
});

/** `weft secret set` against the shared store, the value on standard input as an operator gives it. */
function setSecret(name: string, value: string, variables: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [WEFT_BIN, 'secret', 'set', name], { env: { ...process.env, ...variables } }, (error, _stdout, stderr) =>
      error ? reject(new Error(`weft secret set failed: ${stderr}`)) : resolve(),
    );
    child.stdin?.end(value);
  });
}
