// Outputs over the history bound, on a real worker and store: later tasks read any part of them
// as if inline, the run's history keeps only claim-check references, and get_run pages them.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlowService } from '../../src/services/flow-service.js';
import { RunService } from '../../src/services/run-service.js';
import { startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { CLAIM_CHECK_ENCODING } from '../../src/services/temporal/claim-check-codec.js';
import { bigBody, bigOutputFlow } from '../helpers/big-output.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

/** The history bound the issue sets for a run that moved a 1 MB output. */
const HISTORY_BYTES = 64 * 1024;

describe('large outputs (claim-check codec)', () => {
  let env: TestEnv;
  let http: TestHttpServer;
  let runs: RunService;
  before(async () => {
    env = await createTestEnv();
    http = await startHttpServer();
    http.route('/big', (_req, res) => json(res, 200, bigBody()));
    runs = new RunService(env.client, new FlowService(env.store), env.taskQueue);
  });
  after(async () => {
    await env.close();
    await http.close();
  });

  it('lets a later task read a field of a 1 MB http output, keeps the history under 64 KB, and pages the output', async () => {
    assert.ok(JSON.stringify(bigBody()).length > 1_000_000);
    const { runId } = await startRun(env.client, { flow: bigOutputFlow(http.url), taskQueue: env.taskQueue });
    const view = await waitForRun(env.client, runId);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { n: 10_000, last: 9999 });

    const handle = env.client.workflow.getHandle(runId);
    const { historySize } = await handle.describe();
    assert.ok(historySize !== undefined && historySize < HISTORY_BYTES, `the history is ${historySize} bytes`);
    const { events } = await handle.fetchHistory();
    const result = events?.find((e) => e.activityTaskCompletedEventAttributes)?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
    assert.equal(new TextDecoder().decode(result?.metadata?.encoding ?? new Uint8Array()), CLAIM_CHECK_ENCODING, 'history holds the reference');
    process.stderr.write(`[claim-check] 1 MB output: history ${historySize} bytes\n`);

    // get_run with taskId: the run service reads the output back (here from history, through the codec) and pages it.
    const first = await runs.taskOutputPage(runId, 'fetch', undefined, undefined);
    assert.equal(first.found, true);
    assert.ok((first.totalBytes ?? 0) > 1_000_000, `totalBytes ${first.totalBytes}`);
    assert.ok(first.text?.startsWith('{"status":200') || first.text?.startsWith('{'), first.text?.slice(0, 40));
    assert.ok(first.nextCursor, 'more pages');
    const second = await runs.taskOutputPage(runId, 'fetch', undefined, first.nextCursor);
    assert.equal(second.offset, Buffer.byteLength(first.text ?? ''));
    const detail = await runs.get(runId);
    assert.deepEqual(detail.outputs, { n: 10_000, last: 9999 });
  });

  it('completes a foreach over 3,000 items whose output passes the old bound, and a later task reads its size', { timeout: 300_000 }, async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const pad = 'p'.repeat(120);
    const view = await runFlow(
      env,
      `
id: many
inputs: [{ id: items, type: array }]
tasks:
  - id: x
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 50
    tasks:
      - { id: s, type: set, values: { v: "{{ item }}", pad: "${pad}" } }
  - { id: after, type: set, values: { n: "{{ size(outputs.x.iterations) }}", v: "{{ outputs.x.iterations[2999].s.v }}" } }
outputs: { n: "{{ outputs.after.n }}", v: "{{ outputs.after.v }}" }
`,
      { items },
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { n: 3000, v: 2999 });
    const { historySize } = await env.client.workflow.getHandle(view.runId).describe();
    process.stderr.write(`[claim-check] foreach 3000: parent history ${historySize} bytes\n`);
  });

  it('keeps an inline foreach output over the old bound readable too', { timeout: 300_000 }, async () => {
    const items = Array.from({ length: 800 }, (_, i) => i);
    const view = await runFlow(
      env,
      `
id: inline-big
inputs: [{ id: items, type: array }]
tasks:
  - id: x
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 50
    tasks:
      - { id: s, type: set, values: { v: "{{ item }}", pad: "${'q'.repeat(400)}" } }
  - { id: after, type: set, values: { n: "{{ size(outputs.x.iterations) }}" } }
outputs: { n: "{{ outputs.after.n }}" }
`,
      { items },
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { n: 800 });
    const { events } = await env.client.workflow.getHandle(view.runId).fetchHistory();
    assert.equal(events?.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, 0, 'ran inline');
  });
});
