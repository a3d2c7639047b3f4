// Replays histories recorded from real runs (npm run record-histories) against the current
// workflow code: a change that alters the commands of an existing run fails here, and must
// be guarded with patched() as workflows/README.md says. Files are `<case>.json`, or
// `<case>.<patch>.json` for the new path of a patch while its old path is still kept.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { bundleSource, loadWorkflowBundle } from '../../src/app/worker/workflow-bundle.js';
import { loadConfig } from '../../src/services/config/weft-config.js';
import { quietRuntime } from '../helpers/quiet-runtime.js';

const DIR = join(import.meta.dirname, '..', 'histories');

/** The part of a recorded history event this test edits. */
interface ScheduledEvent {
  activityTaskScheduledEventAttributes?: { activityId: string };
}

describe('recorded histories replay on the current interpreter', async () => {
  quietRuntime();
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
  it('keeps the workflow bundle free of zod (validation runs before a run starts, not on every workflow)', async () => {
    const bundle = await loadWorkflowBundle();
    assert.ok(!bundle.code.includes('node_modules/zod/'), 'zod was bundled into the workflow code');
  });
  it('has a recorded history of every case the recorder runs', () => {
    const cases = new Set(files.map((f) => f.split('.')[0]));
    for (const name of ['control-flow', 'failure-paths', 'foreach-batches', 'parallel-order', 'approval', 'agent', 'worker-groups']) {
      assert.ok(cases.has(name), `test/histories has no recording of ${name} (npm run record-histories)`);
    }
  });
  it('fails a replay whose branches scheduled their calls in the other order (parallel-order, the two activity ids swapped)', async () => {
    const history = JSON.parse(await readFile(join(DIR, 'parallel-order.json'), 'utf8')) as { events: ScheduledEvent[] };
    const scheduled = history.events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes);
    assert.deepEqual(
      scheduled.map((a) => a?.activityId),
      ['one#1', 'two#1'],
      'the branch whose first task ends in place schedules its call first',
    );
    for (const a of scheduled) if (a) a.activityId = a.activityId === 'one#1' ? 'two#1' : 'one#1';
    const sinks = { runLogs: { write: { fn: () => {} } }, slots: { release: { fn: () => {} } } };
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: await loadWorkflowBundle(), sinks }, history, 'record-parallel-order'),
      (error: Error) => error.name === 'DeterminismViolationError',
    );
  });
  for (const file of files) {
    it(`replays ${file} without non-determinism`, async () => {
      const history = JSON.parse(await readFile(join(DIR, file), 'utf8'));
      // The recorder started each run with the workflow id `record-<name>`; replay must use the same id.
      // The run-log sink is registered as on a real worker (a replay worker never calls it).
      const sinks = { runLogs: { write: { fn: () => {} } }, slots: { release: { fn: () => {} } } };
      await Worker.runReplayHistory({ workflowBundle: await loadWorkflowBundle(), sinks }, history, `record-${file.replace(/\.json$/, '')}`);
    });
    // Histories recorded without telemetry replay on a worker that has it: the tracing
    // interceptors add spans and headers, never a command.
    it(`replays ${file} on the telemetry bundle (tracing interceptors) without non-determinism`, async () => {
      const history = JSON.parse(await readFile(join(DIR, file), 'utf8'));
      const sinks = { runLogs: { write: { fn: () => {} } }, slots: { release: { fn: () => {} } }, exporter: { export: { fn: () => {} } } };
      const workflowBundle = await loadWorkflowBundle(bundleSource(loadConfig(process.env)), true);
      await Worker.runReplayHistory({ workflowBundle, sinks }, history, `record-${file.replace(/\.json$/, '')}`);
    });
  }
});
