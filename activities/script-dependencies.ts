// Python dependency sets of script tasks: one virtual environment per set (and base interpreter)
// in Weft's cache, built once outside the sandbox with the worker's network and pip settings,
// shared by every later run and every worker of the machine, and shown read-only to the script.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A dependency set that could not be installed; the message names the package when pip says which. */
export class DependencyInstallError extends Error {}

export interface PythonEnvironment {
  /** The environment's directory (its interpreter is `bin/python`). */
  dir: string;
  /** Whether this call built it (false: an earlier run had). */
  built: boolean;
  /** Time spent, building or waiting for another worker's build, ms. */
  ms: number;
}

const READY = '.weft-ready';
/** A build lock older than this belonged to a worker that died while building. */
const STALE_LOCK_MS = 15 * 60_000;
let baseInterpreter: Promise<string> | undefined;

/**
 * The environment of `requirements` under `cacheDir`, built now if no run built it before.
 * `onLine` receives the build's progress (pip's output); `timeoutMs` bounds the build or the wait.
 */
export async function pythonEnvironment(
  requirements: string[],
  cacheDir: string,
  onLine: (line: string) => void,
  timeoutMs: number,
): Promise<PythonEnvironment> {
  const started = Date.now();
  baseInterpreter ??= output('python3', ['-c', 'import sys; print(sys.executable, sys.version)']);
  const base = (await baseInterpreter).trim();
  const key = createHash('sha256')
    .update(JSON.stringify({ base, requirements: [...new Set(requirements)].sort() }))
    .digest('hex')
    .slice(0, 32);
  const root = join(cacheDir, 'script-deps', 'python');
  const dir = join(root, key);
  const lock = join(root, `${key}.lock`);
  await mkdir(root, { recursive: true, mode: 0o755 });
  while (Date.now() - started < timeoutMs) {
    if (await exists(join(dir, READY))) return { dir, built: false, ms: Date.now() - started };
    if (await claim(lock)) {
      try {
        onLine(`dependencies: building a Python environment for ${requirements.join(' ')}`);
        await build(dir, requirements, onLine, timeoutMs - (Date.now() - started));
        onLine(`dependencies: built in ${((Date.now() - started) / 1000).toFixed(1)} s, reused by later runs`);
        return { dir, built: true, ms: Date.now() - started };
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    // Another run on this machine builds the same set: wait for it rather than build twice.
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DependencyInstallError(`dependencies: the Python environment for ${requirements.join(' ')} was not ready within ${timeoutMs} ms`);
}

/** Takes the build lock (an atomic mkdir); a lock left by a dead builder is taken over. */
async function claim(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch {
    const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

async function build(dir: string, requirements: string[], onLine: (line: string) => void, timeoutMs: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const until = Date.now() + timeoutMs;
  await run('python3', ['-m', 'venv', dir], onLine, until);
  const pip = await run(
    join(dir, 'bin', 'python'),
    ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--', ...requirements],
    onLine,
    until,
  );
  if (pip.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DependencyInstallError(installFailure(pip.lines, requirements));
  }
  await writeFile(join(dir, READY), `${new Date().toISOString()}\n`);
}

/** One line naming the package pip could not install, from its own words. */
function installFailure(lines: string[], requirements: string[]): string {
  const text = lines.join('\n');
  const named =
    /No matching distribution found for (\S+)/.exec(text)?.[1] ??
    /Could not find a version that satisfies the requirement (\S+)/.exec(text)?.[1] ??
    /Failed to build (\S+)/.exec(text)?.[1];
  const error =
    lines
      .filter((l) => l.startsWith('ERROR:'))
      .at(-1)
      ?.replace(/^ERROR:\s*/, '') ??
    lines.at(-1) ??
    'pip failed';
  return named ? `dependencies: pip could not install ${named}: ${error}` : `dependencies: pip could not install ${requirements.join(' ')}: ${error}`;
}

function run(command: string, args: string[], onLine: (line: string) => void, until: number): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let rest = '';
    const take = (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts.filter((l) => l.trim())) {
        lines.push(line.slice(0, 2000));
        if (lines.length > 500) lines.shift();
        onLine(`dependencies: ${line.slice(0, 2000)}`);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, until - Date.now()));
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new DependencyInstallError(`dependencies: cannot run ${command}: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (rest.trim()) take(Buffer.from('\n'));
      if (Date.now() >= until) fail(new DependencyInstallError(`dependencies: the build took longer than the task's timeout`));
      else done({ code, lines });
    });
  });
}

async function output(command: string, args: string[]): Promise<string> {
  const result = await run(command, args, () => undefined, Date.now() + 60_000);
  return result.lines.join('\n');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
