// Everything one script attempt runs inside, set up before it starts and torn down after: its
// private directory, its limits (cgroup, rlimits), its network grant (a proxy for the sandbox)
// and the command line that puts them together; and what the kernel said when it ended.

import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { ScriptInput } from '../src/core/runs/activity-io.js';
import { defaultScriptSettings, type ScriptLimits } from '../src/services/config/script-settings.js';
import { EgressPolicy } from '../src/services/security/egress-policy.js';
import { HostAllowList } from '../src/services/security/host-allow-list.js';
import { type CgroupSupport, detectCgroups, ScriptCgroup } from './script-cgroup.js';
import { DependencyInstallError, type DependencySet, nodeModules, pythonEnvironment } from './script-dependencies.js';
import { launcher, limitsOf } from './script-limits.js';
import { startScriptProxy } from './script-proxy.js';
import { RELAY_PORT } from './script-relay.js';
import { type ReadOnlyBind, type ScriptRunnerOptions, sandboxUser, scriptCommand } from './script-sandbox.js';

/** A problem that stops the attempt before the script runs: a ScriptSetupError, or a ScriptDependencyError. */
export class AttemptSetupError extends Error {
  constructor(
    message: string,
    readonly kind: 'setup' | 'dependency' = 'setup',
  ) {
    super(message);
  }
}

export interface Attempt {
  dir: string;
  /** The directory the script starts in (its private work dir unless workingDir says otherwise). */
  cwd: string;
  scriptFile: string;
  outputFile: string;
  limits: ScriptLimits;
  /** The user the script runs as (owner of its files), when not the worker's. */
  uid: number | undefined;
  /** Lines for the run's logs before the script starts (capped limits, limits this host cannot enforce). */
  notes: string[];
  /** Variables the attempt adds to the script's environment (HOME, proxy). */
  env: Record<string, string>;
  /** The command that runs the interpreter on the script file. */
  command(interpreter: string): { file: string; args: string[] };
  /** Whether the kernel killed a process for going over the memory limit. */
  oomKilled(): Promise<boolean>;
  /** Kills what is left, stops the proxy, removes the cgroup and the directory. */
  dispose(): Promise<void>;
  /** The environment of the process started (default: the script's own); a container's engine gets its own. */
  spawnEnv?(): Record<string, string>;
  /** Stops what outlives the started process when it is killed (a container keeps running without its client). */
  stop?(): void;
  /** Why the engine, not the script, failed the attempt with this exit code, if it did. */
  launchFailure?(code: number | null, stderrTail: string): string | undefined;
}

/** Lines about limits this host cannot enforce, said once per worker in its log and on every attempt in the run's. */
let cgroupWarned = false;

/** A namespace file the task lists, read from the store, to be placed read-only in the work directory. */
export interface PlacedFile {
  path: string;
  data: Buffer;
}

export interface AttemptOptions {
  extension: string;
  workingDir?: string | undefined;
  onRefused: (message: string) => void;
  /** Lines of a dependency build, as they come (default: with the notes, before the script's own lines). */
  onDependencyLine?: (line: string) => void;
  /** The task's namespace files. */
  files?: PlacedFile[];
}

export async function prepareAttempt(input: ScriptInput, runner: ScriptRunnerOptions, options: AttemptOptions): Promise<Attempt> {
  const settings = runner.settings ?? defaultScriptSettings();
  const sandboxed = runner.kind !== 'process';
  const { limits, capped } = limitsOf(input.resources, settings);
  const notes = [...capped];
  const grant = networkGrant(input, runner);
  if (!sandboxed && input.network !== undefined && input.network !== false)
    notes.push('network: the process runner does not restrict the network; the grant has no effect (WEFT_SCRIPT_RUNNER=process)');
  const dir = await mkdtemp(join(tmpdir(), 'weft-script-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const work = join(dir, 'work');
    await mkdir(work, { mode: 0o700 });
    const uid = sandboxed ? sandboxUser() : undefined;
    // The attempt's own directory belongs to the user the script runs as; bwrap, root without
    // capabilities by then, must still pass through it to start the script in it.
    if (uid !== undefined)
      for (const path of [dir, work]) {
        await chown(path, uid, uid);
        await chmod(path, 0o711);
      }
    const env: Record<string, string> = sandboxed ? { HOME: work, TMPDIR: '/tmp' } : {};
    let proxySocket: string | undefined;
    if (sandboxed && grant) {
      proxySocket = join(dir, 'proxy.sock');
      const proxy = await startScriptProxy(proxySocket, { ...grant, onRefused: options.onRefused });
      cleanups.push(proxy.close);
      if (uid !== undefined) await chown(proxySocket, uid, uid);
      await chmod(proxySocket, 0o600);
      const url = `http://127.0.0.1:${RELAY_PORT}`;
      Object.assign(env, { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, ALL_PROXY: url, all_proxy: url });
    }
    const binds: ReadOnlyBind[] = [];
    const setup = { dir, work, uid, sandboxed, binds, cleanups };
    const deps = await dependenciesOf(input, runner, (line) => (options.onDependencyLine ?? notes.push.bind(notes))(line.slice(0, 4000)));
    const readOnly: string[] = [];
    let interpreterOverride: string | undefined;
    if (deps?.language === 'python') {
      interpreterOverride = join(deps.set.dir, 'bin', 'python');
      readOnly.push(deps.set.dir);
      env.PATH = `${join(deps.set.dir, 'bin')}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
      env.VIRTUAL_ENV = deps.set.dir;
    }
    if (deps?.language === 'node') env.NODE_PATH = await placeNodeModules(deps.set, setup);
    if (deps && !deps.set.built)
      notes.push(
        `dependencies: reused the ${deps.language === 'python' ? 'Python environment' : 'Node dependency set'} for ${input.dependencies?.join(' ')} (${deps.set.ms} ms)`,
      );
    if (options.files?.length) await placeFiles(options.files, setup);
    const support = await detectCgroups();
    const cgroup = await ScriptCgroup.create(support, `attempt-${randomUUID()}`, limits).catch((error: Error) => {
      notes.push(`memory and processes: not limited, the attempt's cgroup could not be made (${error.message})`);
      return undefined;
    });
    if (cgroup) cleanups.push(() => cgroup.remove());
    notes.push(...unenforced(support));
    const cwd = options.workingDir ?? work;
    const attempt: Attempt = {
      dir,
      cwd,
      scriptFile: join(dir, `script${options.extension}`),
      outputFile: join(dir, 'outputs.json'),
      limits,
      uid,
      notes,
      env,
      command(interpreter) {
        const sandbox = {
          dir,
          cwd,
          writable: options.workingDir ? [options.workingDir] : [],
          readOnly,
          binds,
          proxySocket,
          tmpBytes: Math.min(limits.fileBytes, limits.memoryBytes),
          uid,
        };
        const inner = scriptCommand(runner, interpreterOverride ?? interpreter, [attempt.scriptFile], sandbox);
        const noPidsGroup = support.version === 0 || !support.pids;
        // RLIMIT_NPROC binds any user but root; it counts every process of that user, so it only stands in for a pids group.
        const launch = launcher(inner, limits, cgroup?.procsFiles() ?? [], { nproc: noPidsGroup && (uid !== undefined || process.getuid?.() !== 0) });
        notes.push(...launch.missing);
        return launch;
      },
      oomKilled: () => cgroup?.oomKilled() ?? Promise.resolve(false),
      dispose,
    };
    return attempt;
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The task's dependency set, built now if no run on this machine built it before. */
async function dependenciesOf(
  input: ScriptInput,
  runner: ScriptRunnerOptions,
  onLine: (line: string) => void,
): Promise<{ language: 'python' | 'node'; set: DependencySet } | undefined> {
  const specs = input.dependencies;
  if (!specs?.length || input.language === 'bash') return undefined;
  const cache = runner.cacheDir ?? runner.hiddenDirs[1] ?? join(tmpdir(), 'weft-cache');
  const progress = { onLine, timeoutMs: input.timeoutMs };
  try {
    const set = input.language === 'python' ? await pythonEnvironment(specs, cache, progress) : await nodeModules(specs, cache, progress);
    return { language: input.language, set };
  } catch (error) {
    throw error instanceof DependencyInstallError ? new AttemptSetupError(error.message, 'dependency') : error;
  }
}

/** What placing things in an attempt's directory needs to know. */
export interface Setup {
  dir: string;
  work: string;
  uid: number | undefined;
  sandboxed: boolean;
  binds: ReadOnlyBind[];
  cleanups: Array<() => Promise<void>>;
}

/**
 * A Node set's node_modules beside the script file, where `import` looks first (ESM ignores
 * NODE_PATH; the path is still given for `require` in child processes). In the sandbox it is a
 * read-only bind of the set in Weft's hidden cache; as a plain process, a link to it.
 */
async function placeNodeModules(set: DependencySet, setup: Setup): Promise<string> {
  const target = join(setup.dir, 'node_modules');
  const source = join(set.dir, 'node_modules');
  if (setup.sandboxed) {
    await mkdir(target, { mode: 0o755 });
    setup.binds.push({ source, target });
  } else await symlink(source, target, 'dir');
  return target;
}

/**
 * Namespace files in the work directory, read-only. In the sandbox each is a read-only bind of a
 * copy the script cannot reach otherwise, so writing, removing or renaming it fails whoever the
 * script runs as. As a plain process only its permission bits say read-only: the worker's user
 * (and root always) can change them.
 */
export async function placeFiles(files: PlacedFile[], setup: Setup): Promise<void> {
  const sources = setup.sandboxed ? await mkdtemp(join(tmpdir(), 'weft-files-')) : undefined;
  if (sources) setup.cleanups.push(() => rm(sources, { recursive: true, force: true }));
  for (const file of files) {
    const target = join(setup.work, file.path);
    // The folders of a path belong to the script's user, so it may write its own files beside them.
    for (const folder of foldersOf(setup.work, target)) {
      await mkdir(folder, { recursive: true, mode: 0o755 });
      if (setup.uid !== undefined) await chown(folder, setup.uid, setup.uid);
    }
    if (!sources) {
      await writeFile(target, file.data, { mode: 0o444 });
      continue;
    }
    const source = join(sources, file.path);
    await mkdir(dirname(source), { recursive: true, mode: 0o700 });
    await writeFile(source, file.data, { mode: 0o444 });
    await writeFile(target, '', { mode: 0o444 });
    setup.binds.push({ source, target });
  }
}

/** The folders between `root` (left out) and `path`'s own folder, outermost first. */
function foldersOf(root: string, path: string): string[] {
  const parts = relative(root, dirname(path)).split(sep).filter(Boolean);
  return parts.map((_, i) => join(root, ...parts.slice(0, i + 1)));
}

/** The task's network grant under the operator's policy; undefined: no network. */
export function networkGrant(input: ScriptInput, runner: ScriptRunnerOptions): { hosts?: HostAllowList; egress: EgressPolicy } | undefined {
  const policy = runner.settings?.network ?? 'granted';
  const asked = input.network;
  const egress = runner.egress ?? new EgressPolicy();
  if (policy === 'off') {
    if (asked !== undefined && asked !== false)
      throw new AttemptSetupError(
        'network grant refused: the operator turned script network off on this worker (WEFT_SCRIPT_NETWORK=off); remove network from the task',
      );
    return undefined;
  }
  if (Array.isArray(asked)) {
    try {
      return { hosts: HostAllowList.parse(asked.join(','), 'network'), egress };
    } catch (error) {
      throw new AttemptSetupError((error as Error).message);
    }
  }
  if (asked === true || policy === 'on') return { egress };
  return undefined;
}

/** What this host cannot enforce, in words for the run's logs and, once, the worker's. */
function unenforced(support: CgroupSupport): string[] {
  const lines: string[] = [];
  const missing = support.missing;
  if (missing.length) lines.push(`limits not enforced on this worker: ${missing.join('; ')}`);
  if (lines.length && !cgroupWarned) {
    cgroupWarned = true;
    process.stderr.write(`weft worker: script ${lines.join('; ')}\n`);
  }
  return lines;
}
