// Run logs read in time order: a task's `started` line comes before the lines its script wrote,
// which come before its `completed` line, though the workflow buffers its events and writes them
// after the activity's own lines reached the store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv } from '../helpers/temporal-env.js';

describe('run logs in time order', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => {
    await env.close();
  });

  it("lists each script task's started line, then its lines, then its completed line, with times that never go back", async () => {
    const view = await runFlow(
      env,
      `id: ordered\ntasks:\n  - { id: first, type: script, language: bash, script: 'echo one; echo two; echo three' }\n  - { id: second, type: script, language: bash, script: 'echo four; echo five >&2' }\n`,
    );
    assertCompleted(view);
    const logs = new LogService(env.store);
    const pages = [(await logs.query({ runId: view.runId, limit: 1000 })).entries, (await logs.query({ runId: view.runId, tail: 1000 })).entries];
    for (const entries of pages) {
      assert.deepEqual(
        entries.map((e) => `${e.taskId}: ${e.message.replace(/^completed in \d+ ms$/, 'completed')}`),
        [
          'first: started',
          'first: one',
          'first: two',
          'first: three',
          'first: completed',
          'second: started',
          'second: four',
          'second: five',
          'second: completed',
        ],
      );
      const times = entries.map((e) => Date.parse(e.ts));
      for (const [i, time] of times.entries())
        if (i > 0) assert.ok(time >= (times[i - 1] ?? 0), `line ${i} (${entries[i]?.ts}) is older than line ${i - 1} (${entries[i - 1]?.ts})`);
    }
  });
});
