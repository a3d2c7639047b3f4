// How script processes are started: inside a bubblewrap sandbox that hides Weft's own files (the
// data directory, the cache, the store file) and dies with everything it started, or, when the
// operator opts in with WEFT_SCRIPT_RUNNER=process, as a plain process as before.

import { spawn } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError } from '../src/core/errors.js';
import { cacheDir, dataDir, projectPath } from '../src/services/config/paths.js';
import { SCRIPT_RUNNERS, type ScriptRunnerKind } from '../src/services/config/weft-config.js';

export type { ScriptRunnerKind };

export interface ScriptRunnerOptions {
  /** `bubblewrap` (the default) or `process` (no sandbox: the operator's explicit choice). */
  kind: ScriptRunnerKind;
  /** The bubblewrap binary (default `bwrap`, found on PATH). */
  bwrapPath?: string;
  /** Directories a script must neither read nor write: each is replaced by an empty, read-only one. */
  hiddenDirs: string[];
  /** Files a script must neither read nor write (a store file outside the data directory). */
  hiddenFiles?: string[];
  /** Directories a script may read but not write (Weft's own code). */
  readOnlyDirs?: string[];
}

/** Why the sandbox cannot run; script tasks are refused with it until the worker restarts. */
export class SandboxUnavailable extends Error {
  constructor(
    readonly bwrapPath: string,
    reason: string,
  ) {
    super(
      `script sandbox unavailable: ${bwrapPath} cannot start a sandbox (${reason}); install bubblewrap (Debian: apt-get install bubblewrap), ` +
        'or set WEFT_SCRIPT_RUNNER=process on the worker to run scripts unsandboxed with the worker’s own rights',
    );
    this.name = 'SandboxUnavailable';
  }
}

/**
 * The runner named by WEFT_SCRIPT_RUNNER (default bubblewrap). It hides the data directory
 * (store, secret key, outputs, the embedded Temporal server's files), the cache directory and a
 * SQLite store file kept elsewhere, and keeps Weft's own code read-only.
 */
export function scriptRunnerFromEnv(env: NodeJS.ProcessEnv, paths: { dataDir?: string; storeFile?: string } = {}): ScriptRunnerOptions {
  const kind = env.WEFT_SCRIPT_RUNNER?.trim() || 'bubblewrap';
  if (!(SCRIPT_RUNNERS as readonly string[]).includes(kind))
    throw new ConfigError(
      `WEFT_SCRIPT_RUNNER must be one of ${SCRIPT_RUNNERS.join(', ')} (got "${kind}")`,
      'leave it unset to run scripts in the bubblewrap sandbox, or set process to run them unsandboxed',
    );
  return scriptRunnerOptions(kind as ScriptRunnerKind, { dataDir: paths.dataDir ?? dataDir(env), cacheDir: cacheDir(env), storeFile: paths.storeFile });
}

/** A runner of `kind` that hides Weft's data and cache directories and store file from scripts. */
export function scriptRunnerOptions(kind: ScriptRunnerKind, paths: { dataDir: string; cacheDir: string; storeFile?: string | undefined }): ScriptRunnerOptions {
  const store = paths.storeFile && paths.storeFile !== ':memory:' ? [paths.storeFile, `${paths.storeFile}-wal`, `${paths.storeFile}-shm`] : [];
  return { kind, hiddenDirs: [paths.dataDir, paths.cacheDir], hiddenFiles: store, readOnlyDirs: [projectPath()] };
}

/** The command that runs `command args` for a script: bare, or wrapped in the sandbox. */
export function scriptCommand(runner: ScriptRunnerOptions, command: string, args: string[]): { file: string; args: string[] } {
  if (runner.kind === 'process') return { file: command, args };
  return { file: runner.bwrapPath ?? 'bwrap', args: [...sandboxArgs(runner), '--', command, ...args] };
}

/**
 * The host file system as it is (network too: the sandbox issue restricts both later), minus
 * Weft's own files. A fresh /proc in a new PID namespace keeps the worker's environment and its
 * view of the host mounts out of reach; no capabilities, so a script run by root cannot unmount
 * what hides them. When bwrap exits, its init and so every process the script started die.
 */
function sandboxArgs(runner: ScriptRunnerOptions): string[] {
  const args = ['--bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const dir of runner.readOnlyDirs ?? []) if (exists(dir)) args.push('--ro-bind', dir, dir);
  for (const dir of existingReal(runner.hiddenDirs)) args.push('--tmpfs', dir, '--remount-ro', dir);
  // A file inside a hidden directory is hidden with it (and has no mount point left there).
  for (const file of existingReal(runner.hiddenFiles ?? [])) if (!hiddenDirHolding(runner, file)) args.push('--ro-bind', '/dev/null', file);
  args.push('--unshare-pid', '--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  return args;
}

const probes = new Map<string, Promise<SandboxUnavailable | undefined>>();

/**
 * Checks once per bubblewrap path that a sandbox really starts (a missing binary, or user
 * namespaces disabled, fail here rather than as a script's exit code 1).
 */
export function probeSandbox(runner: ScriptRunnerOptions): Promise<SandboxUnavailable | undefined> {
  const path = runner.bwrapPath ?? 'bwrap';
  let probe = probes.get(path);
  if (!probe) {
    probe = new Promise((done) => {
      const { file, args } = scriptCommand({ ...runner, hiddenDirs: [], hiddenFiles: [], readOnlyDirs: [] }, 'true', []);
      let stderr = '';
      const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-500);
      });
      child.once('error', (error) => done(new SandboxUnavailable(path, error.message)));
      child.once('close', (code) => done(code === 0 ? undefined : new SandboxUnavailable(path, stderr.trim() || `exit code ${code}`)));
    });
    probes.set(path, probe);
  }
  return probe;
}

/** The hidden directory that holds `path`, if any (compared after resolving symbolic links). */
export function hiddenDirHolding(runner: ScriptRunnerOptions, path: string): string | undefined {
  if (runner.kind === 'process') return undefined;
  const real = realOrResolved(path);
  return runner.hiddenDirs.find((dir) => {
    const rel = relative(realOrResolved(dir), real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

function existingReal(paths: string[]): string[] {
  return [...new Set(paths.filter(exists).map(realOrResolved))];
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
