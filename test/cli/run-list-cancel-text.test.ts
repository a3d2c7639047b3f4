// What `weft run list` and `weft run cancel` print for a person: a full page says more runs
// exist and how to get them; a cancel says it was requested rather than showing a bare RUNNING.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe('weft run list and cancel text', () => {
  let env: TestEnv;
  const weft = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, WEFT_DATA_DIR: env.dataDir, WEFT_TASK_QUEUE: env.taskQueue } },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('run list says when more runs exist, and the cursor it names gives the rest', async () => {
    const file = join(env.dataDir, 'listed.yaml');
    await writeFile(file, 'id: listed\nnamespace: textcheck\ntasks:\n  - { id: a, type: set, values: { v: 1 } }\n');
    for (let i = 0; i < 3; i++) assert.equal((await weft(['run', 'start', file, '--wait'])).code, 0);
    const first = await waitFor(
      'three runs listed',
      async () => {
        const all = await weft(['run', 'list', '--namespace', 'textcheck', '--json']);
        return (JSON.parse(all.stdout) as { runs: unknown[] }).runs.length >= 3 ? weft(['run', 'list', '--namespace', 'textcheck', '--limit', '2']) : undefined;
      },
      20_000,
    );
    assert.equal(first.code, 0, first.stderr);
    const hint = /\(more runs: add --cursor (\S+), or a larger --limit\)/.exec(first.stdout);
    assert.ok(hint?.[1], first.stdout);
    const rest = await weft(['run', 'list', '--namespace', 'textcheck', '--limit', '2', '--cursor', hint[1]]);
    assert.equal(
      rest.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('COMPLETED')).length,
      1,
      rest.stdout,
    );
    assert.doesNotMatch(rest.stdout, /more runs/);
  });

  it('run cancel says the cancellation was requested, not a bare RUNNING', async () => {
    const file = join(env.dataDir, 'slow.yaml');
    await writeFile(
      file,
      'id: slow\nnamespace: textcheck\ntasks:\n  - { id: wait, type: sleep, duration: 1h }\nfinally:\n  - { id: tidy, type: sleep, duration: 10s }\n',
    );
    const started = await weft(['run', 'start', file]);
    const runId = /^started (\S+)$/m.exec(started.stdout)?.[1];
    assert.ok(runId, started.stdout + started.stderr);
    const cancelled = await weft(['run', 'cancel', runId]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(
      cancelled.stdout,
      new RegExp(
        `^${runId.replace(/[.]/g, '\\.')}: cancellation requested \\(still (RUNNING|WAITING) while it stops; follow it with weft run get \\S+ --watch\\)`,
      ),
    );
  });

  it('run cancel prints CANCELLED when the run has stopped by the time it answers', async () => {
    const file = join(env.dataDir, 'napper.yaml');
    await writeFile(file, 'id: napper\nnamespace: textcheck\ntasks:\n  - { id: wait, type: sleep, duration: 1h }\n');
    const started = await weft(['run', 'start', file]);
    const runId = /^started (\S+)$/m.exec(started.stdout)?.[1];
    assert.ok(runId, started.stdout + started.stderr);
    const cancelled = await weft(['run', 'cancel', runId, '--json']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.deepEqual(JSON.parse(cancelled.stdout), { runId, state: 'CANCELLED' });
  });
});
