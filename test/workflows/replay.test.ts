// Replays histories recorded from real runs (npm run record-histories) against the current
// workflow code: a change that alters the commands of an existing run fails here, and must
// be guarded with patched() as workflows/README.md says.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { loadWorkflowBundle } from '../../src/app/worker/workflow-bundle.js';
import { quietRuntime } from '../helpers/quiet-runtime.js';

const DIR = join(import.meta.dirname, '..', 'histories');

describe('recorded histories replay on the current interpreter', async () => {
  quietRuntime();
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
  it('keeps the workflow bundle free of zod (validation runs before a run starts, not on every workflow)', async () => {
    const bundle = await loadWorkflowBundle();
    assert.ok(!bundle.code.includes('node_modules/zod/'), 'zod was bundled into the workflow code');
  });
  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 3, `expected recorded histories in ${DIR}`);
  });
  for (const file of files) {
    it(`replays ${file} without non-determinism`, async () => {
      const history = JSON.parse(await readFile(join(DIR, file), 'utf8'));
      // The recorder started each run with the workflow id `record-<name>`; replay must use the same id.
      // The run-log sink is registered as on a real worker (a replay worker never calls it).
      const sinks = { runLogs: { write: { fn: () => {} } } };
      await Worker.runReplayHistory({ workflowBundle: await loadWorkflowBundle(), sinks }, history, `record-${file.replace(/\.json$/, '')}`);
    });
  }
});
