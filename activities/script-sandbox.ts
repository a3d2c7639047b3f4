// How script processes are started: inside a bubblewrap sandbox (read-only host, a private
// writable directory per attempt, Weft's files, homes and keys hidden, no network, its own PID
// namespace), or, when the operator opts in with WEFT_SCRIPT_RUNNER=process, as a plain process.

import { spawn } from 'node:child_process';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../src/core/errors.js';
import { cacheDir, dataDir, projectPath } from '../src/services/config/paths.js';
import { defaultScriptSettings, loadScriptSettings, type ScriptSettings } from '../src/services/config/script-settings.js';
import { SCRIPT_RUNNERS, type ScriptRunnerKind } from '../src/services/config/weft-config.js';
import type { EgressPolicy } from '../src/services/security/egress-policy.js';
import { RELAY_SOURCE } from './script-relay.js';

export type { ScriptRunnerKind };

export interface ScriptRunnerOptions {
  /** `sandbox` (bubblewrap, the default) or `process` (no sandbox: the operator's explicit choice). */
  kind: ScriptRunnerKind;
  /** The bubblewrap binary (default `bwrap`, found on PATH). */
  bwrapPath?: string;
  /** Weft's own directories: each is replaced by an empty, read-only one. */
  hiddenDirs: string[];
  /** Files a script must neither read nor write (a store file outside the data directory, password hashes, host keys). */
  hiddenFiles?: string[];
  /** Directories a script may read but not write (Weft's own code); the whole host is read-only in the sandbox anyway. */
  readOnlyDirs?: string[];
  /** Homes, runtime sockets and other places of the host's users and services, hidden like hiddenDirs (default: systemHiddenDirs()). */
  privateDirs?: string[];
  /** Limits, network policy and allowed working directories (default: the built-in ones). */
  settings?: ScriptSettings;
  /** Where a script with a network grant may connect (the http tasks' policy); without it public addresses only. */
  egress?: EgressPolicy;
  /** Weft's cache directory, where dependency environments are built (default: the environment's). */
  cacheDir?: string;
}

/** A file or folder shown read-only at `target`, inside the attempt's own directory. */
export interface ReadOnlyBind {
  source: string;
  target: string;
}

/** What one sandboxed attempt adds to the runner: its private directory and how it reaches the network. */
export interface SandboxAttempt {
  /** The attempt's own directory (work dir, script, $WEFT_OUTPUT), read-write. */
  dir: string;
  /** The directory the script starts in. */
  cwd: string;
  /** Other directories bound read-write (an allowed workingDir). */
  writable: string[];
  /** Directories inside hidden ones shown read-only (the task's dependency environment in Weft's cache). */
  readOnly?: string[];
  /** Read-only binds inside `dir` (namespace files, a Node set's node_modules): made after `dir`, over mount points it holds. */
  binds?: ReadOnlyBind[];
  /** The proxy's unix socket: the sandbox gets a relay to it on its loopback. */
  proxySocket?: string | undefined;
  /** Size of the sandbox's /tmp, bytes. */
  tmpBytes: number;
  /** The unprivileged user the script runs as when the worker is root (see sandboxUser). */
  uid?: number | undefined;
}

/** The user (and group) a sandboxed script runs as under a root worker: `nobody`. */
export const SANDBOX_UID = 65534;
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => exists(p));

/**
 * Whom a sandboxed script runs as: under a root worker, `nobody` (a root-owned file is then
 * unreadable even where it is not hidden, and RLIMIT_NPROC binds); otherwise the worker's user.
 * Undefined: no change of user.
 */
export function sandboxUser(): number | undefined {
  return process.getuid?.() === 0 && SETPRIV ? SANDBOX_UID : undefined;
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
 * The runner named by WEFT_SCRIPT_RUNNER (default bubblewrap), for callers without a WeftConfig
 * (loadConfig reads the same variables for the worker).
 */
export function scriptRunnerFromEnv(env: NodeJS.ProcessEnv, paths: { dataDir?: string; storeFile?: string } = {}): ScriptRunnerOptions {
  const named = env.WEFT_SCRIPT_RUNNER?.trim() || 'sandbox';
  const kind = named === 'bubblewrap' ? 'sandbox' : named;
  if (!(SCRIPT_RUNNERS as readonly string[]).includes(kind))
    throw new ConfigError(
      `WEFT_SCRIPT_RUNNER must be one of ${SCRIPT_RUNNERS.join(', ')} (got "${named}")`,
      'leave it unset to run scripts in the bubblewrap sandbox, or set process to run them unsandboxed',
    );
  const options = scriptRunnerOptions(kind as ScriptRunnerKind, {
    dataDir: paths.dataDir ?? dataDir(env),
    cacheDir: cacheDir(env),
    storeFile: paths.storeFile,
  });
  return { ...options, settings: loadScriptSettings(env) };
}

/** A runner of `kind` that hides Weft's data and cache directories and store file from scripts. */
export function scriptRunnerOptions(
  kind: ScriptRunnerKind,
  paths: { dataDir: string; cacheDir: string; storeFile?: string | undefined },
  settings: ScriptSettings = defaultScriptSettings(),
): ScriptRunnerOptions {
  const store = paths.storeFile && paths.storeFile !== ':memory:' ? [paths.storeFile, `${paths.storeFile}-wal`, `${paths.storeFile}-shm`] : [];
  return {
    kind,
    hiddenDirs: [paths.dataDir, paths.cacheDir],
    cacheDir: paths.cacheDir,
    hiddenFiles: [...store, ...systemSecretFiles()],
    readOnlyDirs: [projectPath()],
    privateDirs: systemHiddenDirs(),
    settings,
  };
}

/** The host's homes and runtime directories (service sockets live there: a unix socket ignores network namespaces). */
export function systemHiddenDirs(): string[] {
  return [homedir(), '/root', '/home', '/run', '/var/run', '/var/tmp'];
}

/** Password hashes and host keys: readable by a script run as root unless hidden. */
function systemSecretFiles(): string[] {
  const keys = (() => {
    try {
      return readdirSync('/etc/ssh')
        .filter((f) => /^ssh_host_.*_key$/.test(f))
        .map((f) => join('/etc/ssh', f));
    } catch {
      return [];
    }
  })();
  return ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', ...keys];
}

/** The command that runs `command args` for a script: bare, or wrapped in the sandbox. */
export function scriptCommand(runner: ScriptRunnerOptions, command: string, args: string[], attempt?: SandboxAttempt): { file: string; args: string[] } {
  if (runner.kind === 'process') return { file: command, args };
  let inner = attempt?.proxySocket ? [process.execPath, '-e', RELAY_SOURCE, '--', attempt.proxySocket, command, ...args] : [command, ...args];
  // The sandbox is set up as root (it binds what only root can reach), then the script drops to
  // the unprivileged user: a change of uid empties its capabilities, no_new_privs keeps them empty.
  const uid = attempt?.uid;
  if (uid !== undefined && SETPRIV)
    inner = [SETPRIV, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--no-new-privs', '--', ...inner];
  return { file: runner.bwrapPath ?? 'bwrap', args: [...sandboxArgs(runner, attempt), '--', ...inner] };
}

/**
 * The host read-only, minus the places that hold secrets; a fresh /proc in a new PID namespace
 * keeps the worker's environment out of reach; its own network namespace has only a loopback;
 * no capabilities, so a script run by root can neither remount nor write a root-owned file.
 * Every hidden directory stays writable until the binds inside it are made, then turns read-only.
 * When bwrap exits, its init and so every process the script started die.
 */
function sandboxArgs(runner: ScriptRunnerOptions, attempt: SandboxAttempt | undefined): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  const tmpSize = String(attempt?.tmpBytes ?? 64 * 2 ** 20);
  args.push('--perms', '1777', '--size', tmpSize, '--tmpfs', '/tmp');
  const weft = existingReal(runner.hiddenDirs);
  const system = existingReal(runner.privateDirs ?? []).filter((d) => d !== '/tmp');
  for (const dir of system) args.push('--size', tmpSize, '--tmpfs', dir);
  // Interpreters installed under a home (pyenv, nvm) stay usable: their top folder is shown read-only.
  for (const dir of toolchainDirs(system, weft)) args.push('--ro-bind', dir, dir);
  for (const dir of existingReal(runner.readOnlyDirs ?? [])) if (!holder(system, dir) && !holder(weft, dir)) args.push('--ro-bind', dir, dir);
  for (const dir of weft) args.push('--tmpfs', dir);
  // A file inside a hidden directory is hidden with it (and has no mount point left there).
  for (const file of existingReal(runner.hiddenFiles ?? [])) if (!holder(weft, file) && !holder(system, file)) args.push('--ro-bind', '/dev/null', file);
  if (attempt) {
    // bwrap makes the folders leading to a mount point inside a tmpfs 0700: open them to the script's user.
    const tmpfs = ['/tmp', ...system, ...weft];
    const reach = (dir: string) => {
      for (const step of foldersBetween(tmpfs, dir)) args.push('--perms', '0755', '--dir', step);
    };
    for (const dir of attempt.readOnly ?? []) {
      reach(dir);
      args.push('--ro-bind', dir, dir);
    }
    reach(attempt.dir);
    args.push('--bind', attempt.dir, attempt.dir);
    for (const bind of attempt.binds ?? []) args.push('--ro-bind', bind.source, bind.target);
    for (const dir of attempt.writable) {
      reach(dir);
      args.push('--bind', dir, dir);
    }
    args.push('--chdir', attempt.cwd);
  }
  for (const dir of [...system, ...weft]) args.push('--remount-ro', dir);
  args.push('--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--hostname', 'weft-script');
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  if (attempt?.uid !== undefined) args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  return args;
}

/**
 * What of a hidden home the script needs to run: each PATH entry under it (read-only), and for
 * the interpreters Weft starts (bash, python3, node) the whole top folder of their installation,
 * since a version manager's shim reads its own tree (pyenv, nvm). Never what holds Weft's files.
 */
function toolchainDirs(hidden: string[], weft: string[]): string[] {
  const found = new Set<string>();
  const entries = (process.env.PATH ?? '').split(delimiter).filter((p) => p && isAbsolute(p));
  const interpreters = ['bash', 'python3']
    .map((name) => entries.map((dir) => join(dir, name)).find(exists))
    .filter((p): p is string => p !== undefined)
    .concat(process.execPath);
  const add = (path: string, top: boolean) => {
    const real = realOrResolved(path);
    const home = holder(hidden, real);
    if (!home || real === home) return;
    const dir = top ? join(home, relative(home, real).split(sep)[0] ?? '') : real;
    if (!holder(weft, dir) && !weft.some((w) => holder([dir], w))) found.add(dir);
  };
  for (const entry of entries) add(entry, false);
  for (const interpreter of interpreters) add(interpreter, true);
  // A folder inside another one shown is shown with it.
  return [...found].filter((dir) => exists(dir) && ![...found].some((other) => other !== dir && holder([other], dir)));
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
      const { file, args } = scriptCommand({ ...runner, hiddenDirs: [], hiddenFiles: [], readOnlyDirs: [], privateDirs: [] }, 'true', []);
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

/** The folders strictly between the deepest of `roots` that holds `path` and `path` itself, outermost first. */
function foldersBetween(roots: string[], path: string): string[] {
  const root = roots.filter((r) => holder([r], path) && r !== path).sort((a, b) => b.length - a.length)[0];
  if (!root) return [];
  const parts = relative(root, path).split(sep).slice(0, -1);
  return parts.map((_, i) => join(root, ...parts.slice(0, i + 1)));
}

/** The hidden directory that holds `path`, if any (compared after resolving symbolic links). */
export function hiddenDirHolding(runner: ScriptRunnerOptions, path: string): string | undefined {
  if (runner.kind === 'process') return undefined;
  return holder(runner.hiddenDirs, realOrResolved(path));
}

/** The directory of `dirs` that holds `path` (itself included); both sides already real. */
function holder(dirs: string[], path: string): string | undefined {
  return dirs.find((dir) => {
    const rel = relative(realOrResolved(dir), path);
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

/** A path with its symbolic links resolved, or as given when it does not exist. */
export function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
