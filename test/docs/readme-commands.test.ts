// The README's CLI session, run line by line as written (`npx weft` is this checkout's bin) from
// a folder holding the repository's examples/, against a real worker: a command the README shows
// must work, and a path it names must exist.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'weft.js');

/** Every `$ npx weft ...` line of the README's shell blocks, comments dropped. */
async function readmeCommands(): Promise<string[]> {
  const text = await readFile(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((block) =>
    block
      .split('\n')
      .filter((line) => /^\$ .*npx weft /.test(line))
      .map((line) =>
        line
          .slice(2)
          .replace(/\s+#.*$/, '')
          .trim(),
      ),
  );
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('README commands', () => {
  let env: TestEnv;
  let cwd: string;
  before(async () => {
    env = await createTestEnv();
    cwd = await mkdtemp(join(env.dataDir, 'readme-'));
    await symlink(join(ROOT, 'examples'), join(cwd, 'examples'));
    // The README's validate example shows the error of this file (a typo on line 4).
    await writeFile(join(cwd, 'broken.yaml'), 'id: broken\ntasks:\n  - id: a\n    type: htp\n');
  });
  after(async () => env.close());

  it('every `npx weft` line of the README runs as written', async () => {
    const commands = await readmeCommands();
    assert.ok(
      commands.some((c) => c.includes('flow save examples/')),
      'the README saves the examples folder',
    );
    let lastRunId = '';
    for (const written of commands) {
      const command = written.replaceAll('npx weft', `"${process.execPath}" "${BIN}"`).replaceAll('<runId>', lastRunId);
      const result = await sh(command, cwd, { WEFT_DATA_DIR: env.dataDir, WEFT_TASK_QUEUE: env.taskQueue, TOKEN: 'readme-token' });
      if (written.includes('validate broken.yaml')) {
        assert.equal(result.code, 1, written);
        assert.match(result.stdout, /broken\.yaml:4: tasks\[0\]\.type "htp" is not a task type \(hint: did you mean "http"\?/, written);
        continue;
      }
      assert.equal(result.code, 0, `${written}\n${result.stderr}`);
      // `started <id>` on stdout, or `run <id> started` as --watch's progress line.
      const started = /^started (\S+)$/m.exec(result.stdout) ?? /run (\S+) started/.exec(`${result.stdout}\n${result.stderr}`);
      if (started?.[1]) lastRunId = started[1];
      if (written.includes('--watch')) assert.match(result.stdout, /COMPLETED examples\.hello-/, written);
      if (written.includes('logs')) assert.match(result.stdout, /Hello, Ada!/, written);
    }
    assert.ok(lastRunId, 'a run was started');
    const secrets = await sh(`"${process.execPath}" "${BIN}" secret list --json`, cwd, { WEFT_DATA_DIR: env.dataDir });
    assert.match(secrets.stdout, /API_TOKEN/);
  });
});
