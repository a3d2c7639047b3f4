// `npm start` works from a fresh clone: a copy of the working tree's files (what a commit of it
// would hold) with node_modules linked in (standing for `npm install`), a fresh data directory
// and cache, free ports. It says where the Web UI is and how to connect an assistant, runs the
// example to COMPLETED, and on Ctrl-C exits 0 and frees Temporal's port.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.js';
import { literal } from '../helpers/regexp-literal.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Copies the files git would put in a commit of the working tree: tracked files as they are now
 * (uncommitted edits included; deleted ones skipped) and new files that are not ignored.
 */
async function copyWorkingTree(from: string, to: string): Promise<number> {
  const { stdout } = await promisify(execFile)('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    maxBuffer: 16 * 1024 * 1024,
  });
  let copied = 0;
  for (const file of new Set(stdout.split('\0').filter(Boolean))) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    try {
      await copyFile(join(from, file), join(to, file));
      copied++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return copied;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start from a fresh clone', () => {
  let child: ChildProcess | undefined;
  after(() => {
    // Whatever is left of the process group (npm, the shell, weft dev, the Temporal dev server).
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  });

  it('shows the Web UI, the MCP hint and the example run COMPLETED, then stops on Ctrl-C and frees the Temporal port', { timeout: 300_000 }, async () => {
    assert.ok(process.env.TEMPORAL_CLI_PATH, 'TEMPORAL_CLI_PATH is set by the test runner, so no CLI build happens');
    const work = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'fresh-clone-'));
    const clone = join(work, 'weft');
    assert.ok((await copyWorkingTree(ROOT, clone)) > 50);
    await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const [port, uiPort, mcpPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DATA_DIR: join(work, 'data'), WEFT_CACHE_DIR: join(work, 'cache') };
    // A fresh clone has no server configured and no prebuilt workflow bundle.
    for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE', 'WEFT_WORKFLOW_BUNDLE', 'WEFT_TASK_QUEUE']) delete env[name];

    const started = spawn('npm', ['start', '--', '--port', String(port), '--ui-port', String(uiPort), '--mcp-port', String(mcpPort)], {
      cwd: clone,
      env,
      // Its own process group, so Ctrl-C can be sent the way a terminal sends it: to the group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    let output = '';
    started.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    started.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      started.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const done = () => started.exitCode !== null || started.signalCode !== null || /example run \S+: COMPLETED/.test(output);
    await waitFor('the example run to complete', async () => (done() ? true : undefined), 240_000, 250).catch((error: Error) =>
      assert.fail(`${error.message}:\n${output}`),
    );
    if (!/example run \S+: COMPLETED/.test(output))
      assert.fail(`npm start ended (${started.exitCode ?? started.signalCode}) before the example run completed:\n${output}`);
    // A clone has no dist/ yet: npm start compiles it (and the workflow bundle) before weft dev starts.
    assert.match(output, /\[weft build\] compiled \d+ files into dist\//);
    assert.match(output, new RegExp(`Web UI at ${literal(`http://127.0.0.1:${uiPort}`)}`));
    assert.match(
      output,
      new RegExp(`claude mcp add weft -e WEFT_DATA_DIR=${literal(join(work, 'data'))} -- node ${literal(join(clone, 'bin', 'weft.js'))} mcp`),
    );
    assert.match(output, new RegExp(literal(`http://127.0.0.1:${mcpPort}/mcp`)));
    assert.match(output, /example run examples\.hello-\S+: COMPLETED \{"greeting":"Hello, Weft","letters":4\}/);
    assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).ok, true, 'the Web UI answers');

    const record = JSON.parse(await readFile(join(work, 'data', 'service.json'), 'utf8')) as { pid: number; mode: string };
    assert.equal(record.mode, 'dev');

    assert.ok(started.pid);
    process.kill(-started.pid, 'SIGINT');
    const ended = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(resolve, 30_000, 'timeout'))]);
    if (ended === 'timeout') assert.fail(`npm start still runs 30 s after Ctrl-C:\n${output}`);
    // weft dev itself stops within the bound, by its success path (it logs "weft dev stopped" just
    // before exiting 0), and takes the Temporal dev server with it.
    await waitFor('weft dev to exit', async () => (alive(record.pid) ? undefined : true), 30_000, 100);
    assert.match(output, /stopping: letting running tasks finish/);
    assert.match(output, /"msg":"weft dev stopped"/);
    await waitFor('the Temporal port to be free', async () => ((await portFree(port)) ? true : undefined), 10_000, 200);
    await assert.rejects(readFile(join(work, 'data', 'service.json')), 'the service record is cleared');
    assert.doesNotMatch(output, /^\s+at .+:\d+/m, 'no stack trace');
    // npm's own exit: dash, which npm runs scripts with here, dies of the SIGINT at once, and npm
    // then re-raises it. With `exec` in the start script weft dev replaces the shell, npm waits for
    // it and exits with its code: 0.
    const script = (JSON.parse(await readFile(join(clone, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    if (script.includes('exec ')) assert.equal(ended.code, 0, `npm start ended with ${JSON.stringify(ended)}:\n${output}`);
    else assert.ok(ended.code === 0 || ended.signal === 'SIGINT', `npm start ended with ${JSON.stringify(ended)}:\n${output}`);
  });
});
