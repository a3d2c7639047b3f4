// Records workflow histories from real runs into test/histories/, for the replay test that
// guards the interpreter against non-deterministic changes (see workflows/README.md).
// Usage: npm run record-histories [-- --suffix=<patch>] [-- --only=<case>,...]   (starts its own dev server; under a minute)
// Files are named `<case>.json`. When a change goes behind `patched('<patch>')`, record its new
// path with `--suffix=<patch>` (`<case>.<patch>.json`) and keep the old files, so both paths
// replay until the old one is removed (workflows/README.md, versioning policy).

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type ScheduleOptionsAction } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWeftWorker } from '../src/app/worker/weft-worker.js';
import { keeperId } from '../src/core/runs/limit-types.js';
import { FLOW_RUN, type FlowRunInput } from '../src/core/runs/run-types.js';
import type { FlowSpec } from '../src/core/spec/flow-spec.js';
import { parseFlow } from '../src/core/spec/parse-flow.js';
import { scheduleTriggers } from '../src/core/spec/triggers.js';
import { FlowService } from '../src/services/flow-service.js';
import { MemoryFlowCatalog } from '../src/services/flows/flow-catalog.js';
import { ConcurrencyLimit } from '../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../src/services/llm/provider-config.js';
import { flowRunLaunch, getRunningView, respondToApproval, startRun, waitForRun } from '../src/services/runs/run-client.js';
import { launchWithSlotAtStart } from '../src/services/runs/run-slot-at-start.js';
import { secretsFromEnv } from '../src/services/secrets/secret-source.js';
import { egressPolicyFromEnv } from '../src/services/security/egress-policy.js';
import { openStore } from '../src/services/store/database.js';
import { startDevServer } from '../src/services/temporal/dev-server.js';
import { ensureTemporalCli } from '../src/services/temporal/temporal-cli.js';
import { scheduleActionOf } from '../src/services/triggers/schedule-options.js';
import { startFakeModelServer } from '../test/helpers/fake-model-server.js';

const OUT = join(import.meta.dirname, '..', 'test', 'histories');

const SUFFIX = process.argv.find((a) => a.startsWith('--suffix='))?.slice('--suffix='.length);

/** Starts a run as the run service does: with the free slot its keeper granted before the start. */
async function startWithSlot(client: Client, spec: FlowSpec, runId: string): Promise<{ runId: string }> {
  const launch = flowRunLaunch({ flow: spec, revision: 0, inputs: {}, taskQueue: 'record', trigger: 'api', runId, idempotent: false });
  const { launched, slot } = await launchWithSlotAtStart(client, launch, spec);
  if (!slot?.granted) throw new Error(`no free slot at the start of ${runId}: ${JSON.stringify(slot)}`);
  return launched;
}

function flow(yaml: string): FlowSpec {
  const parsed = parseFlow(yaml);
  if (!parsed.valid) throw new Error(JSON.stringify(parsed.problems));
  return parsed.flow;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cli = await ensureTemporalCli();
  const work = await mkdtemp(join(tmpdir(), 'weft-record-'));
  const server = await startDevServer({ dataDir: work, port: 7299, uiPort: false });
  const http = createServer((req, res) => {
    res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'application/json' });
    // `/slow`: holds the run a moment, so runs of the `keeper` case overlap and wait in line.
    setTimeout(() => res.end(JSON.stringify({ path: req.url })), req.url?.startsWith('/slow') ? 300 : 0);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const catalog = new MemoryFlowCatalog();
  catalog.add(
    flow(
      `id: child\nnamespace: lib\ninputs: [{ id: n, type: integer }]\ntasks:\n  - { id: c, type: set, values: { v: "{{ inputs.n + 1 }}" } }\noutputs: { v: "{{ outputs.c.v }}" }\n`,
    ),
  );
  // The `agent` case's model: one tool call, then an answer (test/helpers/fake-model-server.ts).
  const model = await startFakeModelServer();
  model.answer((call) => (call.toolResults.length ? { text: 'done' } : { toolCalls: [{ name: 'child', arguments: { n: 1 } }] }));
  const connection = await NativeConnection.connect({ address: server.address });
  const store = await openStore({ dataDir: work });
  const worker = await createWeftWorker({
    connection,
    store,
    taskQueue: 'record',
    dataDir: work,
    flows: catalog,
    llm: {
      settings: loadLlmSettings({ WEFT_LLM_PROVIDERS: JSON.stringify({ local: { kind: 'openai', baseUrl: model.openaiUrl, stream: false } }) }),
      limit: new ConcurrencyLimit(),
      prompts: async () => [],
    },
    secrets: secretsFromEnv({ WEFT_SECRET_TOKEN: 'recorded-secret' }),
    // The cases call an HTTP server on loopback, which http tasks may not reach by default.
    egress: egressPolicyFromEnv([], { WEFT_HTTP_ALLOWED_HOSTS: '127.0.0.1' }),
  });
  // The worker group of the `worker-groups` case: activities of tasks with `queue: gpu` only.
  const gpuWorker = await createWeftWorker({
    connection,
    store,
    taskQueue: 'record',
    queue: 'gpu',
    dataDir: work,
    egress: egressPolicyFromEnv([], { WEFT_HTTP_ALLOWED_HOSTS: '127.0.0.1' }),
  });
  const running = Promise.all([worker.run(), gpuWorker.run()]);
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  // A saved flow whose flow trigger listens to the `flow-trigger` case: that run's last step starts it.
  await new FlowService(store).save(
    'id: listener\nnamespace: lib\ninputs: [{ id: rows, type: integer }]\ntasks: [{ id: got, type: log, message: "{{ inputs.rows }}" }]\ntriggers:\n  - { id: after, type: flow, flows: [default/flow-trigger], states: [COMPLETED], inputs: { rows: "{{ trigger.outputs.rows }}" } }\n',
  );
  // `approve`: the approval to answer once the run waits (an approval task, or an agent's tool call by its step).
  // `fired`: started as its schedule trigger's Schedule starts it (the action that carries the revision).
  const cases: Record<
    string,
    {
      spec: FlowSpec;
      inputs?: Record<string, unknown>;
      approve?: { taskId: string; step?: number };
      downstream?: boolean;
      fired?: string;
      slotAtStart?: boolean;
    }
  > = {
    'control-flow': {
      spec: flow(`
id: control-flow
inputs: [{ id: items, type: array }]
vars: { twice: "{{ size(inputs.items) * 2 }}" }
tasks:
  - { id: a, type: set, values: { n: "{{ vars.twice }}" } }
  - id: par
    type: parallel
    concurrency: 2
    tasks:
      - { id: p1, type: http, url: "${base}/p1", headers: { Authorization: "{{ secret('TOKEN') }}" } }
      - { id: p2, type: log, message: "n={{ outputs.a.n }}" }
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 2
    tasks:
      - { id: sq, type: set, values: { v: "{{ item * item }}" } }
  - { id: branch, type: if, condition: "{{ outputs.a.n > 2 }}", then: [{ id: t, type: sleep, duration: 100ms }] }
  - { id: pick, type: switch, value: "{{ 'x' }}", cases: { x: [{ id: sx, type: log, message: x }] } }
  - { id: sub, type: subflow, flow: lib/child, inputs: { n: 1 } }
  - { id: sh, type: script, language: bash, script: 'echo "::weft-output::{\\"ok\\": true}"' }
outputs: { squares: "{{ outputs.each.iterations.map(i, i.sq.v) }}" }
`),
      inputs: { items: [1, 2, 3] },
    },
    'failure-paths': {
      spec: flow(`
id: failure-paths
tasks:
  - { id: flaky, type: http, url: "${base}/fail", retry: { maxAttempts: 2, initialInterval: 100ms }, allowFailure: true }
  - { id: boom, type: fail, message: stop }
errors: [{ id: caught, type: log, message: "{{ error.message }}" }]
finally: [{ id: done, type: log, message: done }]
`),
    },
    // Enough iterations for foreach batches (child workflows): 7 tasks an iteration make
    // batches of 142 items.
    'foreach-batches': {
      spec: flow(`
id: foreach-batches
inputs: [{ id: items, type: array }]
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 20
    tasks:
${Array.from({ length: 7 }, (_, i) => `      - { id: s${i}, type: set, values: { v: "{{ item + ${i} }}" } }`).join('\n')}
outputs: { last: "{{ outputs.each.iterations[149].s6.v }}" }
`),
      inputs: { items: Array.from({ length: 150 }, (_, i) => i) },
    },
    // A branch whose first task ends in place (a `set`) schedules its call before the next
    // branch does: the recording pins the order of commands of branches that run side by side,
    // which is what a change to the interpreter's promise chain most easily moves.
    'parallel-order': {
      spec: flow(`
id: parallel-order
tasks:
  - id: par
    type: parallel
    tasks:
      - id: first
        type: sequence
        tasks:
          - { id: prep, type: set, values: { n: 1 } }
          - { id: one, type: http, url: "${base}/one" }
      - { id: two, type: http, url: "${base}/two" }
`),
    },
    approval: {
      spec: flow(
        `id: approval\ntasks:\n  - { id: gate, type: approval, message: ok?, approvers: any }\n  - { id: after, type: set, values: { ok: "{{ outputs.gate.approved }}" } }\n`,
      ),
      approve: { taskId: 'gate' },
    },
    // A model call, a person's approval of the tool call (step 1), the flow tool's child run, a model call.
    agent: {
      spec: flow(`id: agent\ntasks:\n  - { id: helper, type: agent, provider: local, model: m, prompt: go, tools: [{ flow: lib/child }], approve: [child] }\n`),
      approve: { taskId: 'helper', step: 1 },
    },
    // A fire of a schedule trigger: `when` and the trigger's inputs evaluated in the workflow.
    'schedule-fire': {
      spec: flow(
        `id: schedule-fire\ninputs: [{ id: at, type: string }]\ntasks:\n  - { id: get, type: http, url: "${base}/tick" }\noutputs: { at: "{{ inputs.at }}" }\ntriggers:\n  - { id: tick, type: schedule, every: 1h, when: "{{ trigger.id == 'tick' }}", inputs: { at: "{{ trigger.scheduledAt }}" } }\n`,
      ),
      fired: 'tick',
    },
    // A fire whose `when` is false: nothing runs, and the fire leaves Weft's run lists.
    'schedule-skip': {
      spec: flow(
        `id: schedule-skip\ntasks:\n  - { id: get, type: http, url: "${base}/never" }\ntriggers:\n  - { id: tick, type: schedule, every: 1h, when: "{{ false }}" }\n`,
      ),
      fired: 'tick',
    },
    // A flow-level queue, a task back on Weft's own queue, a parallel's tasks and a foreach run
    // in batches (40 tasks an iteration: batches of 25 items) with the flow's queue: all but
    // `plain` go to task queue record/gpu (patch worker-groups, also in the batches' input).
    'worker-groups': {
      spec: flow(`
id: worker-groups
queue: gpu
tasks:
  - { id: train, type: http, url: "${base}/train" }
  - { id: plain, type: http, url: "${base}/plain", queue: default }
  - { id: fan, type: parallel, tasks: [{ id: more, type: http, url: "${base}/more" }, { id: note, type: log, message: hi }] }
  - id: each
    type: foreach
    items: "{{ [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29] }}"
    tasks:
${Array.from({ length: 39 }, (_, i) => `      - { id: b${i}, type: set, values: { v: "{{ item + ${i} }}" } }`).join('\n')}
      - { id: per_item, type: http, url: "${base}/item" }
`),
    },
    // A run under its flow's concurrency limit with a task under a named limit: each slot asked of
    // its keeper by a local step whose update's result is the answer (patch slot-ask-update); the
    // task's slot given back by a local step (patch slot-release-step), the run's by the worker
    // after its last activation (patch slot-release-sink). `limits.slot-ask-update.json` is the
    // path before the sink, `limits.slot-release-step.json` the path before asking by update
    // (asked and answered by signal), `limits.json` the path before all three (given back by a
    // signal command).
    limits: {
      spec: flow(
        `id: limits\nconcurrency: { limit: 1 }\ntasks:\n  - { id: get, type: http, url: "${base}/limited", limits: [record-gpu] }\n  - { id: after, type: set, values: { ok: true } }\n`,
      ),
    },
    // Started as the run service starts it: its free slot asked before the start and handed to
    // the run in its input (slotAtStart), so the run asks nothing and gives it back at its end.
    'limits-at-start': {
      spec: flow(`id: limits-at-start\nconcurrency: { limit: 1 }\ntasks:\n  - { id: get, type: http, url: "${base}/limited" }\n`),
      slotAtStart: true,
    },
    // The run's end fires the flow trigger of `lib/listener` (one local activity, workflows/flow-trigger-fire.ts).
    'flow-trigger': {
      spec: flow(`id: flow-trigger\ntasks:\n  - { id: make, type: set, values: { rows: 3 } }\noutputs: { rows: "{{ outputs.make.rows }}" }\n`),
      downstream: true,
    },
  };
  // --only=<case>[,<case>] records just those cases.
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  try {
    for (const [caseName, c] of Object.entries(cases)) {
      if (only && !only.includes(caseName)) continue;
      // The replay test derives the workflow id from the file name: `record-<file name>`.
      const name = SUFFIX ? `${caseName}.${SUFFIX}` : caseName;
      const trigger = scheduleTriggers(c.spec.triggers).find((t) => t.id === c.fired);
      const { runId } = trigger
        ? await startFired(client, scheduleActionOf({ flow: c.spec, revision: 1, downstream: false }, trigger, 'fire', 'record'), `record-${name}`)
        : c.slotAtStart
          ? await startWithSlot(client, c.spec, `record-${name}`)
          : await startRun(client, {
              flow: c.spec,
              inputs: c.inputs ?? {},
              taskQueue: 'record',
              runId: `record-${name}`,
              ...(c.downstream ? { downstream: true } : {}),
            });
      if (c.approve) {
        for (;;) {
          const view = await getRunningView(client, runId);
          if (view.approvals.length) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const { taskId, step } = c.approve;
        // An agent's tool call takes a person's answer only.
        await respondToApproval(client, runId, { taskId, ...(step ? { step } : {}), approved: true, by: 'recorder', approver: step ? 'human' : 'agent' });
      }
      const view = await waitForRun(client, runId);
      // The CLI writes the canonical proto3 JSON that Worker.runReplayHistory reads.
      const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', runId, '--address', server.address, '--output', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      await writeFile(join(OUT, `${name}.json`), json);
      process.stderr.write(`recorded ${name}: ${view.state}, ${(JSON.parse(json.toString()) as { events: unknown[] }).events.length} events\n`);
    }
    // A limit's keeper with a line: three runs of a flow with limit 1 ask at once, one is granted,
    // two wait, each gets its slot in turn and gives it back. Recorded while the keeper idles.
    // Since patch slot-ask-update the asks come by update (`keeper.json`: by signal).
    if (!only || only.includes('keeper')) {
      const spec = flow(`id: keeper\nconcurrency: { limit: 1 }\ntasks:\n  - { id: get, type: http, url: "${base}/slow" }\n`);
      const runs = await Promise.all([0, 1, 2].map((i) => startRun(client, { flow: spec, inputs: {}, taskQueue: 'record', runId: `record-keeper-run-${i}` })));
      for (const { runId } of runs) await waitForRun(client, runId);
      const keeper = keeperId({ kind: 'flow', flow: `${spec.namespace}/${spec.id}` }, 'record');
      const name = SUFFIX ? `keeper.${SUFFIX}` : 'keeper';
      const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', keeper, '--address', server.address, '--output', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      await writeFile(join(OUT, `${name}.json`), json);
      process.stderr.write(`recorded ${name}: ${(JSON.parse(json.toString()) as { events: unknown[] }).events.length} events\n`);
    }
  } finally {
    worker.shutdown();
    gpuWorker.shutdown();
    await running;
    await connection.close();
    await store.close();
    http.close();
    await model.close();
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Starts what a Schedule's action starts, under the recorder's workflow id. */
async function startFired(client: Client, action: ScheduleOptionsAction, runId: string): Promise<{ runId: string }> {
  if (action.type !== 'startWorkflow') throw new Error(`a Schedule action of type ${action.type}`);
  await client.workflow.start(FLOW_RUN.workflowType, {
    args: action.args as [FlowRunInput],
    taskQueue: action.taskQueue,
    workflowId: runId,
    ...(action.typedSearchAttributes ? { typedSearchAttributes: action.typedSearchAttributes } : {}),
  });
  return { runId };
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
