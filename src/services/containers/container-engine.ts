// Which container engine runs the script tasks that name an `image`: podman or docker, found on
// PATH (or named by WEFT_CONTAINER_ENGINE) and asked once per process whether it answers. Both the
// flow check (where flows are validated) and the worker (where scripts run) ask here.

import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** `WEFT_CONTAINER_ENGINE`: `auto` (podman, else docker, on PATH), one of them by name, or `none`. */
export const CONTAINER_ENGINE_CHOICES = ['auto', 'podman', 'docker', 'none'] as const;
export type ContainerEngineChoice = (typeof CONTAINER_ENGINE_CHOICES)[number];

/** An engine that answered, and what its runs must say to work on this host. */
export interface ContainerEngine {
  kind: 'podman' | 'docker';
  /** The binary, absolute. */
  path: string;
  version: string;
  /** Global options before `run` (podman: the OCI runtime Weft chose, see runtimeFor). */
  globalArgs: string[];
  /** The engine's cgroup manager (`cgroupfs`, `systemd`), and the host's cgroup version (`v1`, `v2`). */
  cgroupManager: string;
  cgroupVersion: string;
  /** Whether the engine runs rootless (its containers' root is the worker's user). */
  rootless: boolean;
  /**
   * RLIMIT_NOFILE and RLIMIT_NPROC every container gets: no more than the engine may hand on. An
   * engine asks for more by default (podman 1048576) and, without CAP_SYS_RESOURCE, the runtime
   * then fails with "setrlimit: operation not permitted".
   */
  nofile: number;
  nproc: number;
}

/** The engine, or why there is none, in words that say what to install or set. */
export type EngineLookup = { engine: ContainerEngine } | { unavailable: string };

const lookups = new Map<string, Promise<EngineLookup>>();

/** The engine for `choice`, looked up once per process and choice (a probe costs about 0.2 s). */
export function findContainerEngine(choice: ContainerEngineChoice): Promise<EngineLookup> {
  let lookup = lookups.get(choice);
  if (!lookup) {
    lookup = lookUp(choice);
    lookups.set(choice, lookup);
  }
  return lookup;
}

/** The environment an engine process gets: the worker's (its PATH, XDG_RUNTIME_DIR, CONTAINERS_*), without Weft's own settings and keys. */
export function engineEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('WEFT_')));
}

const INSTALL = 'install podman on this machine (Debian: apt-get install podman runc)';

async function lookUp(choice: ContainerEngineChoice): Promise<EngineLookup> {
  if (choice === 'none') return { unavailable: 'the operator turned the container runner off (WEFT_CONTAINER_ENGINE=none)' };
  const kinds = choice === 'auto' ? (['podman', 'docker'] as const) : ([choice] as const);
  const found = kinds.map((kind) => ({ kind, path: onPath(kind) })).filter((k): k is { kind: 'podman' | 'docker'; path: string } => k.path !== undefined);
  if (!found.length) return { unavailable: `no container engine: ${kinds.join(' or ')} is not on PATH; ${INSTALL}` };
  const reasons: string[] = [];
  for (const { kind, path } of found) {
    const probed = kind === 'podman' ? await probePodman(path) : await probeDocker(path);
    if ('engine' in probed) return probed;
    reasons.push(probed.unavailable);
  }
  return { unavailable: `${reasons.join('; ')}; ${INSTALL}` };
}

async function probePodman(path: string): Promise<EngineLookup> {
  const format = '{{.Version.Version}}|{{.Host.CgroupManager}}|{{.Host.CgroupsVersion}}|{{.Host.OCIRuntime.Name}}|{{.Host.Security.Rootless}}';
  const info = await output(path, ['info', '--format', format]);
  if (info.code !== 0) return { unavailable: `podman does not answer (podman info: ${lastLine(info.stderr) || `exit code ${info.code}`})` };
  const [version = '', cgroupManager = '', cgroupVersion = '', runtime = '', rootless = ''] = info.stdout.trim().split('|');
  const chosen = runtimeFor(runtime, cgroupVersion);
  if ('unavailable' in chosen) return chosen;
  return {
    engine: { kind: 'podman', path, version, globalArgs: chosen.args, cgroupManager, cgroupVersion, rootless: rootless === 'true', ...handedLimits() },
  };
}

/**
 * crun refuses a host whose cgroup v1 hierarchies sit beside a mounted v2 one ("cgroups in hybrid
 * mode not supported"); runc runs there. A runtime the operator configured is kept otherwise.
 */
function runtimeFor(runtime: string, cgroupVersion: string): { args: string[] } | { unavailable: string } {
  if (runtime !== 'crun' || cgroupVersion !== 'v1' || !hybridCgroups()) return { args: [] };
  const runc = onPath('runc');
  if (runc) return { args: ['--runtime', runc] };
  return {
    unavailable: 'podman runs containers with crun, which does not support this host’s hybrid cgroup v1/v2 layout: install runc (Debian: apt-get install runc)',
  };
}

function hybridCgroups(): boolean {
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[2] === 'cgroup2');
  } catch {
    return false;
  }
}

async function probeDocker(path: string): Promise<EngineLookup> {
  const info = await output(path, ['info', '--format', '{{.ServerVersion}}|{{.CgroupDriver}}|{{.CgroupVersion}}']);
  if (info.code !== 0 || info.stdout.trim().startsWith('|'))
    return { unavailable: `docker is installed but its engine does not answer (docker info: ${lastLine(info.stderr) || `exit code ${info.code}`})` };
  const [version = '', cgroupManager = '', cgroupVersion = ''] = info.stdout.trim().split('|');
  return { engine: { kind: 'docker', path, version, globalArgs: [], cgroupManager, cgroupVersion: `v${cgroupVersion}`, rootless: false, ...handedLimits() } };
}

/** This process's hard limits of open files and processes, which an engine it starts cannot raise. */
function handedLimits(): { nofile: number; nproc: number } {
  const limits = (() => {
    try {
      return readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return '';
    }
  })();
  const hard = (name: string, fallback: number) => {
    const value = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    return value === undefined || value === 'unlimited' ? fallback : Number(value);
  };
  // podman lowers its own RLIMIT_NPROC (seen: to the host's pid_max), and a runtime it starts cannot ask more.
  const pidMax = Number(readText('/proc/sys/kernel/pid_max') ?? 4_194_304) || 4_194_304;
  return { nofile: Math.min(hard('Max open files', 1_048_576), 1_048_576), nproc: Math.min(hard('Max processes', pidMax), pidMax) };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The executable `name` on PATH, absolute. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Runs an engine command to its end, with its output bounded; for probes and removals. */
export function output(file: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(file, args, { env: engineEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-20_000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('error', (error) => done({ code: null, stdout, stderr: error.message }));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}
