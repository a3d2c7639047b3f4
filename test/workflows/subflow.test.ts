import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryFlowCatalog } from '../../src/services/flows/flow-catalog.js';
import { assertCompleted, createTestEnv, flowFrom, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('subflow task as a child workflow', () => {
  let env: TestEnv;
  const flows = new MemoryFlowCatalog();
  before(async () => {
    flows.add(
      flowFrom(`
id: double
namespace: lib
inputs:
  - { id: n, type: integer }
tasks:
  - { id: calc, type: set, values: { v: "{{ inputs.n * 2 }}" } }
outputs: { v: "{{ outputs.calc.v }}" }
`),
    );
    flows.add(
      flowFrom(`
id: forever
namespace: lib
tasks:
  - { id: again, type: subflow, flow: lib/forever }
`),
    );
    flows.add(
      flowFrom(`
id: broken
namespace: lib
tasks:
  - { id: boom, type: fail, message: "child broke" }
`),
    );
    env = await createTestEnv({ flows });
  });
  after(async () => env.close());

  it('runs a saved flow as a child run and returns its outputs', async () => {
    const view = await runFlow(
      env,
      `
id: parent
tasks:
  - { id: child, type: subflow, flow: lib/double, inputs: { n: 21 } }
outputs: { v: "{{ outputs.child.outputs.v }}", state: "{{ outputs.child.state }}", runId: "{{ outputs.child.runId }}" }
`,
    );
    assertCompleted(view);
    assert.equal(view.outputs?.v, 42);
    assert.equal(view.outputs?.state, 'COMPLETED');
    const child = await env.client.workflow.getHandle(String(view.outputs?.runId)).describe();
    assert.equal(child.status.name, 'COMPLETED');
  });

  it('fails the parent task when the child run fails, and checks child inputs', async () => {
    const view = await runFlow(
      env,
      `
id: parent-fails
tasks:
  - { id: bad, type: subflow, flow: lib/broken, allowFailure: true }
  - { id: wrong, type: subflow, flow: lib/double, inputs: { n: "x" }, allowFailure: true }
  - { id: missing, type: subflow, flow: lib/nothing, allowFailure: true }
`,
    );
    assertCompleted(view);
    assert.match(taskOf(view, 'bad').error?.message ?? '', /child broke/);
    assert.equal(taskOf(view, 'wrong').error?.type, 'InvalidInputs');
    assert.match(taskOf(view, 'wrong').error?.message ?? '', /inputs.n must be an integer/);
    assert.match(taskOf(view, 'missing').error?.message ?? '', /flow lib\/nothing does not exist/);
  });

  it('stops a flow that calls itself at the depth limit with a clear error', async () => {
    const view = await runFlow(env, `id: recursive\ntasks:\n  - { id: start, type: subflow, flow: lib/forever }\n`);
    assert.equal(view.state, 'FAILED');
    assert.match(view.error?.message ?? '', /would nest 11 deep; the limit is 10/);
  });
});
