// Dependency sets of script tasks: one directory per set (and interpreter) in Weft's cache, built
// once outside the sandbox with the worker's network and package-manager settings, shared by every
// later run and every worker of the machine (a build lock, then a ready marker), and shown
// read-only to the script. Python sets are virtual environments; Node sets are a node_modules.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A dependency set that could not be installed; the message names the package when the installer says which. */
export class DependencyInstallError extends Error {}

export interface DependencySet {
  /** The set's directory (python: the environment, with `bin/python`; node: holds `node_modules`). */
  dir: string;
  /** Whether this call built it (false: an earlier run had). */
  built: boolean;
  /** Time spent, building or waiting for another worker's build, ms. */
  ms: number;
}

/** Where a build's lines go (the run's logs, as they come), and how long it may take. */
export interface BuildProgress {
  onLine: (line: string) => void;
  timeoutMs: number;
}

const READY = '.weft-ready';
/** A build lock older than this belonged to a worker that died while building. */
const STALE_LOCK_MS = 15 * 60_000;
let basePython: Promise<string> | undefined;
let npmVersion: Promise<string> | undefined;

/** The virtual environment of `requirements` under `cacheDir`, built now if no run built it before. */
export async function pythonEnvironment(requirements: string[], cacheDir: string, progress: BuildProgress): Promise<DependencySet> {
  basePython ??= output('python3', ['-c', 'import sys; print(sys.executable, sys.version)']);
  const base = (await basePython).trim();
  const identity = { base, requirements: uniqueSorted(requirements) };
  return cachedSet({ cacheDir, language: 'python', identity, specs: requirements, what: 'a Python environment' }, progress, (dir, until) =>
    buildPython(dir, requirements, progress.onLine, until),
  );
}

/**
 * The node_modules of `packages` under `cacheDir`, built now if no run built it before. Install
 * scripts never run (`--ignore-scripts`): they are code of untrusted packages, and here they would
 * run outside the sandbox with the worker's network, files and rights. A package that needs one
 * (a native addon) is not supported.
 */
export async function nodeModules(packages: string[], cacheDir: string, progress: BuildProgress): Promise<DependencySet> {
  npmVersion ??= output(npmCommand(), ['--version']);
  const npm = (await npmVersion).trim();
  // The ABI number changes with the Node major: a set is never shared across it.
  const identity = { node: process.versions.modules, npm, packages: uniqueSorted(packages) };
  return cachedSet({ cacheDir, language: 'node', identity, specs: packages, what: 'a Node dependency set' }, progress, (dir, until) =>
    buildNode(dir, packages, progress.onLine, until),
  );
}

interface SetKey {
  cacheDir: string;
  language: 'python' | 'node';
  /** What the set's directory name is a digest of. */
  identity: unknown;
  /** The packages as the task lists them, for messages. */
  specs: string[];
  what: string;
}

/** The set's directory, built by `build` once per machine: whoever takes the lock builds, the others wait for its ready marker. */
async function cachedSet(key: SetKey, progress: BuildProgress, build: (dir: string, until: number) => Promise<void>): Promise<DependencySet> {
  const started = Date.now();
  const { specs } = key;
  const hash = createHash('sha256').update(JSON.stringify(key.identity)).digest('hex').slice(0, 32);
  const root = join(key.cacheDir, 'script-deps', key.language);
  const dir = join(root, hash);
  const lock = join(root, `${hash}.lock`);
  await mkdir(root, { recursive: true, mode: 0o755 });
  while (Date.now() - started < progress.timeoutMs) {
    if (await exists(join(dir, READY))) return { dir, built: false, ms: Date.now() - started };
    if (await claim(lock)) {
      try {
        progress.onLine(`dependencies: building ${key.what} for ${specs.join(' ')}`);
        await build(dir, started + progress.timeoutMs);
        await writeFile(join(dir, READY), `${new Date().toISOString()}\n`);
        progress.onLine(`dependencies: built in ${((Date.now() - started) / 1000).toFixed(1)} s, reused by later runs`);
        return { dir, built: true, ms: Date.now() - started };
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
    // Another run on this machine builds the same set: wait for it rather than build twice.
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DependencyInstallError(`dependencies: ${key.what} for ${specs.join(' ')} was not ready within ${progress.timeoutMs} ms`);
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

async function buildPython(dir: string, requirements: string[], onLine: (line: string) => void, until: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', dir], { onLine, until });
  const pip = await run(join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--', ...requirements], {
    onLine,
    until,
  });
  if (pip.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DependencyInstallError(installFailure('pip', pip.lines, requirements));
  }
}

async function buildNode(dir: string, packages: string[], onLine: (line: string) => void, until: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'weft-script-dependencies', private: true })}\n`);
  // `--loglevel http` prints a line per request: the build's progress in the run's logs.
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--no-update-notifier', '--loglevel', 'http'];
  const npm = await run(npmCommand(), [...args, '--prefix', dir, '--', ...packages], { onLine, until, cwd: dir, env: installerEnv() });
  if (npm.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new DependencyInstallError(installFailure('npm', npm.lines, packages));
  }
}

/** One line naming the package the installer could not install, from its own words. */
function installFailure(installer: 'pip' | 'npm', lines: string[], specs: string[]): string {
  const text = lines.join('\n');
  const named =
    installer === 'pip'
      ? (/No matching distribution found for (\S+)/.exec(text)?.[1] ??
        /Could not find a version that satisfies the requirement (\S+)/.exec(text)?.[1] ??
        /Failed to build (\S+)/.exec(text)?.[1])
      : (/'(\S+)' (?:is not in this registry|could not be found)/.exec(text)?.[1] ?? /No matching version found for (\S+?)\.?$/m.exec(text)?.[1]);
  const errors =
    installer === 'pip'
      ? lines.filter((l) => l.startsWith('ERROR:')).map((l) => l.replace(/^ERROR:\s*/, ''))
      : lines
          .filter((l) => /^npm (error|ERR!)/.test(l))
          .map((l) => l.replace(/^npm (error|ERR!)\s*(\d{3}|notarget)?\s*/, ''))
          .filter((l) => l && !/^(code |A complete log)/.test(l));
  // npm says most about the package on the line that names it; pip's last error line is its verdict.
  const reason =
    (named ? errors.find((l) => l.includes(named)) : undefined) ?? (installer === 'pip' ? errors.at(-1) : errors[0]) ?? lines.at(-1) ?? `${installer} failed`;
  return `dependencies: ${installer} could not install ${named ?? specs.join(' ')}: ${reason}`;
}

/** npm beside the worker's own node, so a set is built for the Node that runs the script. */
function npmCommand(): string {
  const beside = join(dirname(process.execPath), 'npm');
  return existsSync(beside) ? beside : 'npm';
}

/** The installer's environment: the worker's, without Weft's own settings and keys. */
function installerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WEFT_')));
  return { ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}` };
}

interface RunOptions {
  onLine: (line: string) => void;
  until: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function run(command: string, args: string[], options: RunOptions): Promise<{ code: number | null; lines: string[] }> {
  const { onLine, until } = options;
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
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
  const result = await run(command, args, { onLine: () => undefined, until: Date.now() + 60_000 });
  return result.lines.join('\n');
}

function uniqueSorted(specs: string[]): string[] {
  return [...new Set(specs)].sort();
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
