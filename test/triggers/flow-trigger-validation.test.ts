// Validation of flow triggers and of what every trigger's expressions read from `trigger`: a
// field its type does not have is refused with the nearest one, before anything is saved.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFlow } from '../../src/services/flow-service.js';

const withTrigger = (trigger: string) => `id: report
namespace: team.data
inputs: [{ id: rows, type: integer, default: 0 }]
tasks: [{ id: say, type: log, message: "{{ inputs.rows }}" }]
triggers:
  - ${trigger}
`;

describe('trigger validation', () => {
  it('accepts a flow trigger reading the fields of its event', () => {
    const parsed = checkFlow(
      withTrigger(
        `{ id: after, type: flow, flows: [team.data/ingest], states: [COMPLETED, FAILED], when: "{{ trigger.depth < 3 && trigger.state != 'CANCELLED' }}", inputs: { rows: "{{ trigger.outputs.rows }}" } }`,
      ),
    );
    assert.ok(parsed.valid, JSON.stringify(!parsed.valid && parsed.problems));
  });

  it('refuses a misspelt trigger field with the nearest one, for each trigger type', () => {
    const cases = [
      ['{ id: after, type: flow, flows: [team.data/ingest], inputs: { rows: "{{ trigger.outptus.rows }}" } }', 'triggers[0].inputs.rows', 'outptus', 'outputs'],
      ['{ id: nightly, type: schedule, cron: "@daily", when: "{{ trigger.scheduldAt != \'\' }}" }', 'triggers[0].when', 'scheduldAt', 'scheduledAt'],
      ['{ id: hook, type: webhook, token: T, idempotencyKey: "{{ trigger.header[\'x-id\'] }}" }', 'triggers[0].idempotencyKey', 'header', 'headers'],
    ] as const;
    for (const [trigger, path, typo, meant] of cases) {
      const parsed = checkFlow(withTrigger(trigger));
      assert.equal(parsed.valid, false, trigger);
      if (parsed.valid) continue;
      const problem = parsed.problems.find((p) => p.path === path);
      assert.ok(problem, `${trigger}: ${JSON.stringify(parsed.problems)}`);
      assert.match(problem.message, new RegExp(`reads trigger\\.${typo}, but a \\w+ trigger's event has no field "${typo}"`));
      assert.match(problem.hint ?? '', new RegExp(`^did you mean "trigger\\.${meant}"\\?`));
    }
  });

  it("refuses a field of another type's event, listing the fields this type has", () => {
    const parsed = checkFlow(withTrigger('{ id: nightly, type: schedule, cron: "@daily", inputs: { rows: "{{ trigger.outputs.rows }}" } }'));
    assert.equal(parsed.valid, false);
    if (parsed.valid) return;
    assert.deepEqual(
      parsed.problems.map((p) => [p.path, p.message, p.hint]),
      [
        [
          'triggers[0].inputs.rows',
          `triggers[0].inputs.rows reads trigger.outputs, but a schedule trigger's event has no field "outputs"`,
          'fields of a schedule trigger: id, scheduledAt',
        ],
      ],
    );
  });
});
