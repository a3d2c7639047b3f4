// Worker groups end to end: a default worker process and one started with `weft worker --queue
// gpu`. A task with `queue: gpu` runs only on the gpu worker, the others only on the default one,
// as each task run's `worker` shows; with no gpu worker up, the task waits PENDING for one, and
// validate_flow, run_flow, `weft flow validate` and the run service warn that none polls the queue;
// a registered workflow whose task queue no worker polls says so too.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskRunRecord } from '../../src/core/runs/run-types.js';
import { FlowService } from '../../src/services/flow-service.js';
import { RunService } from '../../src/services/run-service.js';
import { livePollers } from '../../src/services/temporal/store-identity.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { connectStdio, type StdioSession, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

const run = promisify(execFile);

describe('worker groups across worker processes', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let model: FakeModelServer;
  let workerEnv: Record<string, string>;
  let runs: RunService;
  let flows: FlowService;
  let mcp: StdioSession;
  let plain: WorkerProcess;
  let gpu: WorkerProcess | undefined;
  const workers: WorkerProcess[] = [];
  let yaml: string;

  const pollers = (taskQueue: string, kind: 'workflow' | 'activity') => livePollers(env.client.workflowService, 'default', taskQueue, kind);
  const task = (tasks: TaskRunRecord[], id: string) => {
    const found = tasks.find((t) => t.id === id);
    assert.ok(found, `no task run ${id} in ${JSON.stringify(tasks)}`);
    return found;
  };

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    http = await startHttpServer();
    http.route('/', (req, res) => json(res, 200, { path: req.url }));
    model = await startFakeModelServer();
    workerEnv = {
      WEFT_TASK_QUEUE: env.taskQueue,
      WEFT_DATA_DIR: env.dataDir,
      WEFT_LLM_PROVIDERS: JSON.stringify({ local: { kind: 'openai', baseUrl: model.openaiUrl, stream: false } }),
    };
    flows = new FlowService(env.store);
    runs = new RunService(env.client, flows, env.taskQueue);
    yaml = `id: groups\nnamespace: test\ndescription: a task for the gpu group and one for the rest\ntasks:\n  - { id: prepare, type: http, url: "${http.url}/cpu" }\n  - { id: train, type: http, url: "${http.url}/gpu", queue: gpu }\n`;
    await flows.save(yaml);
    plain = spawnWorker(workerEnv);
    workers.push(plain);
    await waitFor('the default worker to poll', async () => ((await pollers(env.taskQueue, 'workflow')).length ? true : undefined), 60_000, 250);
    mcp = await connectStdio(env);
  });
  after(async () => {
    await mcp?.close();
    for (const worker of workers) await worker.kill();
    await env.close();
    await http.close();
    await model?.close();
  });

  it('warns in validate_flow, weft flow validate, weft run start and the run service when no worker polls the queue', { timeout: 60_000 }, async () => {
    const gpuQueue = `${env.taskQueue}/gpu`;
    const warnings = await runs.queueWarnings(flowFrom(yaml));
    assert.deepEqual(warnings, [
      {
        path: 'tasks[1]',
        message: `no worker polls queue gpu (Temporal task queue ${gpuQueue}): tasks[1] would wait PENDING until one starts`,
        hint: 'start one with: weft worker --queue gpu',
      },
    ]);
    const validated = (await mcp.client.callTool({ name: 'validate_flow', arguments: { flow: yaml } })) as CallToolResult;
    const structured = validated.structuredContent as { valid: boolean; warnings: Array<{ path: string; message: string }> };
    assert.equal(structured.valid, true);
    assert.ok(
      structured.warnings.some((w) => w.path === 'tasks[1]' && w.message.includes('no worker polls queue gpu')),
      JSON.stringify(structured.warnings),
    );
    const file = join(env.dataDir, 'groups.yaml');
    await writeFile(file, yaml);
    const cli = await run(process.execPath, [WEFT_BIN, 'flow', 'validate', file], { env: weftEnv(env) });
    assert.match(cli.stdout, /valid \(test\/groups\)/);
    assert.match(cli.stdout, /warning: .*groups\.yaml: tasks\[1\]: no worker polls queue gpu .*\(hint: start one with: weft worker --queue gpu\)/);
    // weft run start: the warning on stderr, and in the --json result; the run waits for the gpu worker of the next test.
    const started = await run(process.execPath, [WEFT_BIN, 'run', 'start', 'test/groups', '--json'], { env: weftEnv(env) });
    assert.match(started.stderr, /warning: tasks\[1\]: no worker polls queue gpu /);
    assert.match((JSON.parse(started.stdout) as { warnings: string[] }).warnings.join('\n'), /no worker polls queue gpu/);
  });

  it('keeps the gpu task PENDING for a worker of its queue, then runs it on the gpu worker alone', { timeout: 180_000 }, async () => {
    const started = (await mcp.client.callTool({ name: 'run_flow', arguments: { flow: 'test/groups' } })) as CallToolResult;
    const { runId } = started.structuredContent as { runId: string };
    const said = (started.content as Array<{ text: string }>).map((c) => c.text).join('\n');
    assert.match(said, /warning: tasks\[1\]: no worker polls queue gpu/);
    const waiting = await waitFor(
      'the train task to wait for a gpu worker',
      async () => {
        const detail = await runs.get(runId);
        return task(detail.tasks, 'train').state === 'PENDING' ? detail : undefined;
      },
      60_000,
      250,
    );
    assert.equal(waiting.state, 'RUNNING');
    assert.equal(task(waiting.tasks, 'train').waitingFor, 'a worker on queue gpu');
    assert.equal(task(waiting.tasks, 'prepare').state, 'COMPLETED');
    assert.match(task(waiting.tasks, 'prepare').worker ?? '', new RegExp(`^weft ${plain.child.pid}@\\S+$`));
    assert.ok(!http.requests.some((r) => r.url === '/gpu'), 'the default worker did not run the gpu task');
    // Still waiting a while later: no worker but a gpu one takes it.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(task((await runs.get(runId)).tasks, 'train').state, 'PENDING');

    gpu = spawnWorker(workerEnv, ['--queue', 'gpu']);
    workers.push(gpu);
    const done = await waitFor(
      'the run to complete once the gpu worker is up',
      async () => {
        const detail = await runs.get(runId);
        return detail.state === 'RUNNING' ? undefined : detail;
      },
      120_000,
      250,
    );
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    const train = task(done.tasks, 'train');
    assert.equal(train.waitingFor, undefined);
    assert.match(train.worker ?? '', new RegExp(`^weft ${gpu.child.pid}@\\S+ queue=gpu$`));
    assert.match(task(done.tasks, 'prepare').worker ?? '', new RegExp(`^weft ${plain.child.pid}@\\S+$`));
    assert.deepEqual(await runs.queueWarnings(flowFrom(yaml)), []);
  });

  it('never hands the default queue to a --queue gpu worker, nor gpu work to the default one', { timeout: 120_000 }, async () => {
    assert.ok(gpu, 'the gpu worker started in the previous test');
    const gpuPid = String(gpu.child.pid);
    const ownQueue = [...(await pollers(env.taskQueue, 'workflow')), ...(await pollers(env.taskQueue, 'activity'))];
    assert.ok(ownQueue.length > 0 && ownQueue.every((identity) => !identity.startsWith(`weft ${gpuPid}@`)), ownQueue.join('; '));
    const gpuPollers = await pollers(`${env.taskQueue}/gpu`, 'activity');
    assert.ok(gpuPollers.length > 0 && gpuPollers.every((identity) => identity.startsWith(`weft ${gpuPid}@`)), gpuPollers.join('; '));
    // Many tasks at once, both groups: each lands on its own group's worker only.
    await flows.save(
      `id: mixed\nnamespace: test\nqueue: gpu\ntasks:\n  - id: fan\n    type: parallel\n    tasks:\n${[0, 1, 2, 3]
        .map((i) => `      - { id: g${i}, type: http, url: "${http.url}/g${i}" }\n      - { id: c${i}, type: http, url: "${http.url}/c${i}", queue: default }`)
        .join('\n')}\n`,
    );
    const { runId, warnings } = await runs.start({ flow: 'test/mixed' });
    assert.equal(warnings, undefined);
    const done = await waitFor('the mixed run to end', async () => ((await runs.get(runId)).state === 'RUNNING' ? undefined : runs.get(runId)), 90_000, 250);
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    for (const i of [0, 1, 2, 3]) {
      assert.match(task(done.tasks, `g${i}`).worker ?? '', new RegExp(`^weft ${gpuPid}@\\S+ queue=gpu$`));
      assert.match(task(done.tasks, `c${i}`).worker ?? '', new RegExp(`^weft ${plain.child.pid}@\\S+$`));
    }
  });

  it('runs an agent’s model calls and an llm task on their queue’s worker, and says so on the task runs', { timeout: 120_000 }, async () => {
    assert.ok(gpu, 'the gpu worker started in an earlier test');
    await flows.save(
      'id: minds\nnamespace: test\ntasks:\n  - { id: think, type: agent, provider: local, model: m, prompt: go, tools: [{ flow: test/groups }], queue: gpu }\n  - { id: ask, type: llm, provider: local, model: m, prompt: hi, queue: gpu }\n  - { id: tell, type: llm, provider: local, model: m, prompt: plain }\n',
    );
    const { runId } = await runs.start({ flow: 'test/minds' });
    const done = await waitFor('the minds run to end', async () => ((await runs.get(runId)).state === 'RUNNING' ? undefined : runs.get(runId)), 90_000, 250);
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    for (const id of ['think', 'ask']) assert.match(task(done.tasks, id).worker ?? '', new RegExp(`^weft ${gpu.child.pid}@\\S+ queue=gpu$`), id);
    assert.match(task(done.tasks, 'tell').worker ?? '', new RegExp(`^weft ${plain.child.pid}@\\S+$`));
    const { events } = await env.client.workflow.getHandle(runId).fetchHistory();
    const queues = (events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [`${a.activityId} ${a.taskQueue?.name}`] : [];
    });
    assert.ok(queues.includes(`think.model1#1 ${env.taskQueue}/gpu`), queues.join('; '));
  });

  it('routes the tasks of a foreach that runs in batches (child workflows) to its queue too', { timeout: 180_000 }, async () => {
    assert.ok(gpu, 'the gpu worker started in an earlier test');
    // Seven tasks an iteration make batches of 142 items: 150 items run as two batch workflows.
    const sets = Array.from({ length: 6 }, (_, i) => `      - { id: s${i}, type: set, values: { v: "{{ item + ${i} }}" } }`).join('\n');
    await flows.save(
      `id: batched\nnamespace: test\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    queue: gpu\n    tasks:\n${sets}\n      - { id: hit, type: http, url: "${http.url}/batch" }\n`,
    );
    const { runId } = await runs.start({ flow: 'test/batched', inputs: { items: Array.from({ length: 150 }, (_, i) => i) } });
    const done = await waitFor('the batched run to end', async () => ((await runs.get(runId)).state === 'RUNNING' ? undefined : runs.get(runId)), 150_000, 500);
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    let activities = 0;
    for (const batch of [0, 1]) {
      const { events } = await env.client.workflow.getHandle(`${runId}.each.batch${batch}`).fetchHistory();
      for (const event of events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) {
          activities += 1;
          assert.equal(scheduled.taskQueue?.name, `${env.taskQueue}/gpu`, `${scheduled.activityId} went to ${scheduled.taskQueue?.name}`);
        }
        const started = event.activityTaskStartedEventAttributes;
        if (started) assert.match(started.identity ?? '', new RegExp(`^weft ${gpu.child.pid}@\\S+ queue=gpu `));
      }
    }
    assert.equal(activities, 150);
  });

  it('refuses a --queue that is not a queue name, naming the option and what is valid', { timeout: 30_000 }, async () => {
    const refused = await run(process.execPath, [WEFT_BIN, 'worker', '--queue', 'gpu pool'], { env: weftEnv(env) }).then(
      () => assert.fail('weft worker accepted --queue "gpu pool"'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--queue "gpu pool" is not a queue name .*hint: use letters, digits, "_", "\." and "-"/);
  });

  it('says a registered workflow whose task queue no worker polls waits for one, instead of waiting silently', { timeout: 60_000 }, async () => {
    const taskQueue = `${env.taskQueue}-billing`;
    await flows.register({ kind: 'temporal', namespace: 'test', id: 'billing', workflowType: 'monthlyBilling', taskQueue });
    const { runId, warnings } = await runs.start({ flow: 'test/billing', inputs: {} });
    try {
      assert.deepEqual(warnings, [`no worker polls task queue ${taskQueue}, where workflow monthlyBilling runs: the run waits until a worker for it starts`]);
      const detail = await runs.get(runId);
      assert.equal(detail.state, 'RUNNING');
      assert.equal(detail.waitingFor, `a worker on task queue ${taskQueue}`);
    } finally {
      await env.client.workflow.getHandle(runId).terminate('test over');
    }
  });
});
