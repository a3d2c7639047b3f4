// A worker process SIGKILLed while an upstream run ends, in the middle of starting its downstream
// runs: a new worker replays the run, repeats its last step, and every downstream flow still gets
// exactly one run (the repeat attaches to the runs already started).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { keyedRunId } from '../../src/services/run-service.js';
import { flowTriggerKey } from '../../src/services/triggers/flow-triggers.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { type TriggerServices, triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

/** Downstream flows listening to the upstream one: their starts make the upstream's last step last long enough to be cut. */
const DOWNSTREAM = 8;

describe('flow triggers: a worker killed as the upstream run ends', () => {
  let env: TestEnv;
  let services: TriggerServices;
  const ns = `flowcrash-${randomUUID().slice(0, 8)}`;

  before(async () => {
    env = await createTestEnv({ startWorker: false });
    services = await triggerServices(env);
  });
  after(async () => env.close());

  it('fires every downstream flow exactly once, also when the worker dies in the middle of firing', async () => {
    await services.flows.save(`id: source
namespace: ${ns}
tasks: [{ id: make, type: set, values: { rows: 7 } }]
outputs: { rows: "{{ outputs.make.rows }}" }
`);
    const downstream = Array.from({ length: DOWNSTREAM }, (_, i) => `sink${i}`);
    for (const id of downstream) {
      await services.flows.save(`id: ${id}
namespace: ${ns}
inputs: [{ id: rows, type: integer }]
tasks: [{ id: got, type: log, message: "rows {{ inputs.rows }}" }]
outputs: { rows: "{{ inputs.rows }}", upstream: "{{ run.event.runId }}" }
triggers:
  - { id: watch, type: flow, flows: [${ns}/source], inputs: { rows: "{{ trigger.outputs.rows }}" } }
`);
    }
    const workerEnv = { WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir };
    const first = spawnWorker(workerEnv);
    const { runId } = await services.runs.start({ flow: `${ns}/source` });
    const expected = downstream.map((id) => keyedRunId(ns, id, flowTriggerKey(runId, 'watch')));
    const handle = (id: string) => env.client.workflow.getHandle(id);
    // The first downstream run exists: the upstream's last step is under way. Kill its worker now.
    await waitFor('the first downstream run', async () => (await handle(expected[0] as string).describe()) && true, 60_000, 2);
    await first.kill('SIGKILL');
    const atKill = (await handle(runId).describe()).status.name;
    const startedAtKill = (
      await Promise.all(
        expected.map((id) =>
          handle(id)
            .describe()
            .then(
              () => 1,
              () => 0,
            ),
        ),
      )
    ).reduce((a, b) => a + b, 0);

    const second = spawnWorker(workerEnv);
    try {
      assert.equal(await services.runs.waitForClose(runId), 'COMPLETED');
      for (const id of expected) {
        assert.equal(await services.runs.waitForClose(id), 'COMPLETED', `downstream run ${id}`);
        assert.deepEqual((await services.runs.get(id)).outputs, { rows: 7, upstream: runId });
      }
      for (const id of downstream) {
        const runs = await waitFor(`the run of ${id} in visibility`, async () => {
          const page = await services.runs.list({ flow: `${ns}/${id}` });
          return page.runs.length ? page.runs : undefined;
        });
        assert.equal(runs.length, 1, `${id} has runs ${runs.map((r) => r.runId)}`);
      }
      // The kill landed while the upstream run was ending: it was still open and not every
      // downstream run existed yet, so the new worker's repeat of the last step did the rest.
      const events = (await handle(runId).fetchHistory()).events ?? [];
      const lostTask = events.some((e) => e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes);
      assert.equal(atKill, 'RUNNING', `the upstream had closed before the kill (${startedAtKill}/${DOWNSTREAM} downstream runs existed)`);
      assert.ok(lostTask, 'the upstream history shows no workflow task lost with the first worker');
    } finally {
      await second.kill('SIGTERM');
    }
  });
});
