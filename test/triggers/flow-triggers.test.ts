// Flow triggers on the real dev server with a real worker: an upstream run's end starts the
// downstream run once, with the upstream's outputs in run.event; the states listened for decide
// (completed, failed, cancelled); a repeated fire attaches; a trigger saved while the upstream
// runs still fires; chains stop at depth 10; a run nobody listens to records no step for flow
// triggers; a save over MCP is refused when the saver cannot read the upstream flow.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { buildServer } from '../../mcp/build-server.js';
import { MAX_FLOW_TRIGGER_DEPTH } from '../../src/core/runs/flow-trigger-io.js';
import { LogService } from '../../src/services/log-service.js';
import { FLOW_TRIGGER_LOG_TASK, FlowTriggerFirer } from '../../src/services/triggers/flow-triggers.js';
import { structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { type TriggerServices, triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

describe('flow triggers', () => {
  let env: TestEnv;
  let services: TriggerServices;
  let logs: LogService;
  const ns = `flowtrig-${randomUUID().slice(0, 8)}`;

  before(async () => {
    env = await createTestEnv();
    services = await triggerServices(env);
    logs = new LogService(env.store);
  });
  after(async () => env.close());

  /** The runs of a flow once `count` of them are visible, oldest first. */
  const runsOf = async (flow: string, count: number) =>
    waitFor(`${count} run(s) of ${flow}`, async () => {
      const { runs } = await services.runs.list({ flow, limit: 100 });
      return runs.length >= count ? runs.reverse() : undefined;
    });
  const triggerLines = async (runId: string) => (await logs.query({ runId, taskId: FLOW_TRIGGER_LOG_TASK })).entries.map((e) => e.message);
  /** Names of the local activities a run's history recorded. */
  const localActivities = async (runId: string) => {
    const history = await env.client.workflow.getHandle(runId).fetchHistory();
    return (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
  };

  it('starts the downstream run once when the upstream completes, with its outputs and inputs in run.event', async () => {
    await services.flows.save(`id: up
namespace: ${ns}
inputs: [{ id: n, type: integer }]
tasks:
  - { id: calc, type: set, values: { rows: "{{ inputs.n * 21 }}" } }
outputs: { rows: "{{ outputs.calc.rows }}" }
`);
    await services.flows.save(`id: down
namespace: ${ns}
inputs: [{ id: rows, type: integer }]
tasks:
  - { id: seen, type: set, values: { trigger: "{{ run.trigger }}", event: "{{ run.event }}" } }
outputs:
  rows: "{{ inputs.rows }}"
  trigger: "{{ outputs.seen.trigger }}"
  event: "{{ outputs.seen.event }}"
triggers:
  - id: after-up
    type: flow
    flows: [${ns}/up]
    inputs: { rows: "{{ trigger.outputs.rows }}" }
`);
    const { runId: upRunId } = await services.runs.start({ flow: `${ns}/up`, inputs: { n: 2 }, trigger: 'api' });
    assert.equal(await services.runs.waitForClose(upRunId), 'COMPLETED');
    const [down] = await runsOf(`${ns}/down`, 1);
    assert.ok(down);
    assert.equal(await services.runs.waitForClose(down.runId), 'COMPLETED');
    const detail = await services.runs.get(down.runId);
    assert.equal(detail.trigger, 'flow');
    assert.deepEqual(detail.outputs?.rows, 42);
    assert.equal(detail.outputs?.trigger, 'flow');
    assert.deepEqual(detail.outputs?.event, {
      id: 'after-up',
      flow: `${ns}/up`,
      runId: upRunId,
      state: 'COMPLETED',
      outputs: { rows: 42 },
      inputs: { n: 2 },
      depth: 1,
    });
    assert.deepEqual(await triggerLines(upRunId), [`flow trigger after-up of ${ns}/down started run ${down.runId} (depth 1)`]);
    // The upstream recorded one local activity for its flow triggers, as its last step.
    assert.equal(await localActivities(upRunId), 1);

    // Firing again for the same upstream run (what a worker lost before the run closed does) attaches.
    const again = await new FlowTriggerFirer(env.store, services.flows).fire(
      { flow: `${ns}/up`, runId: upRunId, state: 'COMPLETED', outputs: { rows: 42 }, inputs: { n: 2 }, depth: 0 },
      services.runs,
    );
    assert.deepEqual(again.fired, [{ flow: `${ns}/down`, triggerId: 'after-up', runId: down.runId, started: false }]);
    const { runs } = await services.runs.list({ flow: `${ns}/down` });
    assert.equal(runs.length, 1, `downstream runs: ${runs.map((r) => r.runId)}`);

    // list_triggers shows the last run the trigger started, also after the flow is saved again.
    const detail2 = await services.flows.get(`${ns}/down`);
    await services.flows.save(`${detail2.yaml}description: follows up\n`);
    const [view] = await services.triggers.list(`${ns}/down`);
    assert.equal(view?.type, 'flow');
    assert.equal(view?.lastFire?.runId, down.runId);
  });

  it('records no step for flow triggers in a run nobody listens to', async () => {
    await services.flows.save(`id: alone\nnamespace: ${ns}\ntasks: [{ id: a, type: set, values: { x: 1 } }]\n`);
    const { runId } = await services.runs.start({ flow: `${ns}/alone` });
    assert.equal(await services.runs.waitForClose(runId), 'COMPLETED');
    assert.equal(await localActivities(runId), 0);
    assert.deepEqual(await triggerLines(runId), []);
  });

  it('fires a trigger listening for FAILED when the upstream fails, and not one listening for COMPLETED', async () => {
    await services.flows.save(`id: breaks
namespace: ${ns}
tasks: [{ id: boom, type: fail, message: "broken on purpose" }]
`);
    const listener = (id: string, states: string) => `id: ${id}
namespace: ${ns}
inputs: [{ id: state, type: string }]
tasks: [{ id: said, type: log, message: "upstream ended {{ inputs.state }}" }]
outputs: { state: "{{ inputs.state }}", upstream: "{{ run.event.runId }}" }
triggers:
  - { id: watch, type: flow, flows: [${ns}/breaks], states: ${states}, inputs: { state: "{{ trigger.state }}" } }
`;
    await services.flows.save(listener('on-fail', '[FAILED, CANCELLED]'));
    await services.flows.save(listener('on-done', '[COMPLETED]'));
    const { runId: upRunId } = await services.runs.start({ flow: `${ns}/breaks` });
    assert.equal(await services.runs.waitForClose(upRunId), 'FAILED');
    const [fired] = await runsOf(`${ns}/on-fail`, 1);
    assert.ok(fired);
    assert.equal(await services.runs.waitForClose(fired.runId), 'COMPLETED');
    assert.deepEqual((await services.runs.get(fired.runId)).outputs, { state: 'FAILED', upstream: upRunId });
    // Every start happens in the upstream's last step, which wrote one line per trigger it fired.
    assert.deepEqual(await triggerLines(upRunId), [`flow trigger watch of ${ns}/on-fail started run ${fired.runId} (depth 1)`]);
    assert.deepEqual((await services.runs.list({ flow: `${ns}/on-done` })).runs, []);
  });

  it('fires a trigger listening for CANCELLED when the upstream run is cancelled', async () => {
    await services.flows.save(`id: sleeper
namespace: ${ns}
inputs: [{ id: label, type: string, default: nap }]
tasks: [{ id: nap, type: sleep, duration: 1h }]
`);
    await services.flows.save(`id: on-cancel
namespace: ${ns}
inputs: [{ id: label, type: string }]
tasks: [{ id: said, type: log, message: "{{ inputs.label }} was cancelled" }]
outputs: { state: "{{ run.event.state }}", label: "{{ inputs.label }}", outputs: "{{ run.event.outputs }}" }
triggers:
  - { id: watch, type: flow, flows: [${ns}/sleeper], states: [CANCELLED], inputs: { label: "{{ trigger.inputs.label }}" } }
`);
    const { runId: upRunId } = await services.runs.start({ flow: `${ns}/sleeper` });
    await waitFor('the upstream sleeping', async () => ((await services.runs.live(upRunId)).tasks[0]?.state === 'WAITING' ? true : undefined));
    await services.runs.cancel(upRunId);
    assert.equal(await services.runs.waitForClose(upRunId), 'CANCELLED');
    const [fired] = await runsOf(`${ns}/on-cancel`, 1);
    assert.ok(fired);
    assert.equal(await services.runs.waitForClose(fired.runId), 'COMPLETED');
    assert.deepEqual((await services.runs.get(fired.runId)).outputs, { state: 'CANCELLED', label: 'nap', outputs: {} });
  });

  it('fires a flow trigger saved while the upstream run was already running', async () => {
    await services.flows.save(`id: gated
namespace: ${ns}
tasks: [{ id: ok, type: approval, message: "go on?" }]
outputs: { approved: "{{ outputs.ok.approved }}" }
`);
    const { runId: upRunId } = await services.runs.start({ flow: `${ns}/gated` });
    // The run started knowing of no listener; it waits for its approval while the listener is saved.
    await waitFor('the upstream run waiting in visibility', async () =>
      (await services.runs.list({ flow: `${ns}/gated`, state: 'WAITING' })).runs.length ? true : undefined,
    );
    await services.flows.save(`id: late
namespace: ${ns}
inputs: [{ id: approved, type: boolean }]
tasks: [{ id: said, type: log, message: "approved {{ inputs.approved }}" }]
outputs: { approved: "{{ inputs.approved }}" }
triggers:
  - { id: watch, type: flow, flows: [${ns}/gated], inputs: { approved: "{{ trigger.outputs.approved }}" } }
`);
    await services.runs.respondToApproval(upRunId, { taskId: 'ok', approved: true, by: 'test', approver: 'human' });
    assert.equal(await services.runs.waitForClose(upRunId), 'COMPLETED');
    const [late] = await runsOf(`${ns}/late`, 1);
    assert.ok(late);
    assert.equal(await services.runs.waitForClose(late.runId), 'COMPLETED');
    assert.deepEqual((await services.runs.get(late.runId)).outputs, { approved: true });
  });

  it(`cuts a chain of flow triggers at depth ${MAX_FLOW_TRIGGER_DEPTH}, saying so in the last run's log`, async () => {
    await services.flows.save(`id: chain
namespace: ${ns}
inputs: [{ id: depth, type: integer, default: 0 }]
tasks: [{ id: at, type: log, message: "depth {{ inputs.depth }}" }]
outputs: { depth: "{{ inputs.depth }}" }
triggers:
  - { id: again, type: flow, flows: [${ns}/chain], inputs: { depth: "{{ trigger.depth }}" } }
`);
    await services.runs.start({ flow: `${ns}/chain` });
    const cut = await waitFor(
      'the line that cuts the chain',
      async () => (await logs.query({ flow: `${ns}/chain`, taskId: FLOW_TRIGGER_LOG_TASK, contains: 'deep' })).entries[0],
      60_000,
    );
    assert.equal(
      cut.message,
      `flow trigger again of ${ns}/chain did not start a run: the chain of flow triggers would be 11 deep; the limit is 10, so no run started`,
    );
    assert.equal(cut.level, 'warn');
    // The line is the last run's last step: the run closes just after it.
    assert.equal(await services.runs.waitForClose(cut.runId), 'COMPLETED');
    const last = await services.runs.get(cut.runId);
    assert.deepEqual(last.outputs, { depth: MAX_FLOW_TRIGGER_DEPTH });
    const runs = await runsOf(`${ns}/chain`, MAX_FLOW_TRIGGER_DEPTH + 1);
    assert.equal(runs.length, MAX_FLOW_TRIGGER_DEPTH + 1);
  });

  it('refuses a save over MCP whose flow trigger names an upstream flow the key may not read, and warns of one not saved', async () => {
    const { flows, triggers, runs } = services;
    const server = buildServer({ flows, runs, logs, triggers }, { caller: 'key:weft_test', toolVisible: () => true, scriptsAllowed: false, namespace: ns }, []);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'weft-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const downstream = (upstreams: string) => `id: guarded
namespace: ${ns}
tasks: [{ id: a, type: log, message: "{{ run.event.flow }}" }]
triggers:
  - { id: watch, type: flow, flows: [${upstreams}] }
`;
      const refused = (await client.callTool({ name: 'save_flow', arguments: { flow: downstream(`${ns}/up, other-team/secret-flow`) } })) as CallToolResult;
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /triggers\.watch\.flows\[1\] names other-team\/secret-flow, which this caller may not read/);
      await assert.rejects(services.flows.get(`${ns}/guarded`), /does not exist/);

      const saved = (await client.callTool({ name: 'save_flow', arguments: { flow: downstream(`${ns}/up, ${ns}/not-yet`) } })) as CallToolResult;
      assert.match(textOf(saved), /saved \S+\/guarded as revision 1; warning: triggers\.watch: upstream flow \S+\/not-yet is not saved/);
      const listed = structured<{ triggers: Array<{ id: string; type: string; paused: boolean; warnings?: string[] }> }>(
        await client.callTool({ name: 'list_triggers', arguments: { flow: `${ns}/guarded` } }),
      );
      assert.deepEqual(listed.triggers, [
        {
          id: 'watch',
          type: 'flow',
          enabled: true,
          paused: false,
          warnings: [`upstream flow ${ns}/not-yet is not saved, so this trigger fires nothing until it is`],
        },
      ]);
    } finally {
      await client.close();
    }
  });
});
