// A person's view of `weft run start --watch`: run in a real terminal (tmux), read off the screen.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

describe('weft run start --watch in a terminal', () => {
  let env: TestEnv;
  const session = `weft-${randomUUID().slice(0, 8)}`;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => {
    await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    await env.close();
  });

  it('shows each task as its state changes, then the finished run', async () => {
    const file = join(env.dataDir, 'watched.yaml');
    await writeFile(
      file,
      'id: watched\ntasks:\n  - { id: prepare, type: set, values: { x: 1 } }\n  - { id: nap, type: sleep, duration: 2s }\n  - { id: finish, type: log, message: done }\noutputs: { x: "{{ outputs.prepare.x }}" }\n',
    );
    const vars = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'PATH', 'HOME'].map((k) => `${k}=${quote(process.env[k] ?? '')}`).join(' ');
    const command = `env ${vars} WEFT_DATA_DIR=${quote(env.dataDir)} ${quote(process.execPath)} ${quote(BIN)} run start ${quote(file)} --watch --task-queue ${quote(env.taskQueue)}; echo "[exit $?]"; sleep 60`;
    await run('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '40', command]);
    const screen = await waitFor(
      'the run to finish on screen',
      async () => {
        const { stdout } = await run('tmux', ['capture-pane', '-p', '-t', session]);
        return stdout.includes('[exit ') ? stdout : undefined;
      },
      60_000,
      250,
    );
    assert.match(screen, /run default\.watched-\S+ started/);
    assert.match(screen, /WAITING {3}nap/);
    assert.match(screen, /COMPLETED finish/);
    assert.match(screen, /^COMPLETED default\.watched-\S+ \(default\/watched\)$/m);
    assert.match(screen, /outputs: \{"x":1\}/);
    assert.match(screen, /\[exit 0\]/);
    assert.ok(screen.indexOf('WAITING   nap') < screen.lastIndexOf('COMPLETED nap'), 'nap was shown waiting before it was shown completed');
  });
});
