// Scale inside one run: a foreach over 5,000 http tasks and a 1,000-step flow complete, and no
// workflow history of the run nears Temporal's warning threshold.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

/** Temporal's default `limit.historyCount.warn`. */
const HISTORY_WARN_EVENTS = 10_240;

async function historyLengths(client: Client, runId: string): Promise<Map<string, number>> {
  const lengths = new Map<string, number>();
  const query = `WorkflowId STARTS_WITH "${runId}"`;
  for await (const execution of client.workflow.list({ query })) {
    const description = await client.workflow.getHandle(execution.workflowId).describe();
    lengths.set(execution.workflowId, description.historyLength);
  }
  return lengths;
}

describe('scale inside one run', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let hits = 0;
  before(async () => {
    env = await createTestEnv();
    http = await startHttpServer();
    http.route('/n/', (req, res) => {
      hits += 1;
      json(res, 200, { n: Number(req.url.split('/').pop()) });
    });
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('runs a foreach over 5,000 items each doing an http call, in batched child workflows', { timeout: 600_000 }, async () => {
    const items = Array.from({ length: 5000 }, (_, i) => i);
    const view = await runFlow(
      env,
      `
id: big-foreach
inputs:
  - { id: items, type: array }
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 50
    tasks:
      - { id: get, type: http, url: "${http.url}/n/{{ item }}" }
outputs: { each: "{{ outputs.each }}" }
`,
      { items },
    );
    assertCompleted(view);
    assert.equal(hits, 5000);
    const lengths = await historyLengths(env.client, view.runId);
    assert.ok(lengths.size > 1, 'the foreach should run in batch child workflows');
    for (const [id, length] of lengths) assert.ok(length < HISTORY_WARN_EVENTS, `${id} has ${length} history events`);
    // 5,000 iteration outputs are far over the claim-check threshold: history holds a reference,
    // and the run's outputs read back whole.
    const each = view.outputs?.each as { iterations: Array<{ get: { body: { n: number } } }> };
    assert.equal(each.iterations.length, 5000);
    assert.deepEqual(each.iterations[4321]?.get.body, { n: 4321 });
    // The parent's history holds its input (5,000 numbers) and one small result per batch.
    const { historySize } = await env.client.workflow.getHandle(view.runId).describe();
    assert.ok(historySize !== undefined && historySize < 512 * 1024, `the parent history is ${historySize} bytes`);
    process.stderr.write(`[scale] foreach 5000: ${lengths.size} workflows, max history ${Math.max(...lengths.values())} events, parent ${historySize} bytes\n`);
  });

  it('keeps a foreach of 1,000 one-task items in the run itself, with no batch child workflows', { timeout: 600_000 }, async () => {
    hits = 0;
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const view = await runFlow(
      env,
      `id: inline-foreach\ninputs: [{ id: items, type: array }]\ntasks:\n  - id: each\n    type: foreach\n    items: "{{ inputs.items }}"\n    concurrency: 50\n    tasks:\n      - { id: get, type: http, url: "${http.url}/n/{{ item }}" }\noutputs: { n: "{{ outputs.each.iterations[999].get.body.n }}" }\n`,
      { items },
    );
    assertCompleted(view);
    assert.equal(hits, 1000);
    assert.deepEqual(view.outputs, { n: 999 });
    const { events } = await env.client.workflow.getHandle(view.runId).fetchHistory();
    assert.equal(events?.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 0, 'no batch child workflows');
    assert.ok((events?.length ?? 0) < HISTORY_WARN_EVENTS, `the run has ${events?.length} history events`);
    process.stderr.write(`[scale] foreach 1000 inline: ${events?.length} history events\n`);
  });

  it('runs a 1,000-step sequential flow of http tasks', { timeout: 600_000 }, async () => {
    const steps = Array.from({ length: 1000 }, (_, i) => `  - { id: s${i}, type: http, url: "${http.url}/n/${i}" }`).join('\n');
    const view = await runFlow(env, `id: long-flow\ntasks:\n${steps}\noutputs: { last: "{{ outputs.s999.body.n }}" }\n`);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { last: 999 });
    const lengths = await historyLengths(env.client, view.runId);
    for (const [id, length] of lengths) assert.ok(length < HISTORY_WARN_EVENTS, `${id} has ${length} history events`);
    process.stderr.write(`[scale] 1000 steps: history ${[...lengths.values()]} events\n`);
  });
});
