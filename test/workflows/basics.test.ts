import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('pure tasks on a real Temporal server', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('computes values with set and returns the flow outputs', async () => {
    const view = await runFlow(
      env,
      `
id: basics
inputs:
  - id: n
    type: integer
tasks:
  - id: calc
    type: set
    values:
      doubled: "{{ inputs.n * 2 }}"
      half: "{{ inputs.n / 2 }}"
      text: "n is {{ inputs.n }}"
  - id: say
    type: log
    message: "doubled={{ outputs.calc.doubled }}"
outputs:
  doubled: "{{ outputs.calc.doubled }}"
  text: "{{ outputs.calc.text }}"
`,
      { n: 7 },
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { doubled: 14, text: 'n is 7' });
    assert.equal(taskOf(view, 'calc').state, 'COMPLETED');
    const lines = await env.logs.read(view.runId);
    assert.deepEqual(
      lines.map((l) => `${l.taskId}: ${l.message.replace(/^completed in \d+ ms$/, 'completed')}`),
      ['calc: started', 'calc: completed', 'say: started', 'say: doubled=14', 'say: completed'],
    );
  });

  it('records no patch marker in a new run: 0.2.0 has one interpreter path', async () => {
    const view = await runFlow(env, 'id: one-marker\ntasks:\n  - { id: a, type: set, values: { x: 1 } }\n');
    assertCompleted(view);
    const { events } = await env.client.workflow.getHandle(view.runId).fetchHistory();
    const patches = (events ?? []).flatMap((e) => {
      const attributes = e.markerRecordedEventAttributes;
      if (attributes?.markerName !== 'core_patch') return [];
      const data = attributes.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
    });
    // Each marker would cost a history event and a TemporalChangeVersion search-attribute upsert.
    assert.deepEqual(patches, []);
  });
});
