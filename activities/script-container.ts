// A script attempt in a container: the task's `image` run by podman or docker with no network
// unless granted, a read-only root, no capabilities, a tmpfs /tmp, the attempt's directory at
// /weft (work dir, script, $WEFT_OUTPUT), namespace files read-only, the script's environment
// from a 0600 file, and the attempt's limits; the container is removed when it ends or is stopped.

import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ScriptInput } from '../src/core/runs/activity-io.js';
import { defaultScriptSettings, type ScriptLimits } from '../src/services/config/script-settings.js';
import { type ContainerEngine, engineEnv, output } from '../src/services/containers/container-engine.js';
import { type Attempt, type AttemptOptions, AttemptSetupError, placeFiles, type Setup } from './script-attempt.js';
import { detectCgroups } from './script-cgroup.js';
import { ContainerCgroup } from './script-container-cgroup.js';
import { limitsOf } from './script-limits.js';
import { SANDBOX_UID, type ScriptRunnerOptions } from './script-sandbox.js';

/** Where the attempt's directory appears in the container. */
export const CONTAINER_DIR = '/weft';
/** The interpreters, found on the image's PATH. */
const INTERPRETERS = { bash: 'bash', python: 'python3', node: 'node' } as const;
/** Exit codes an engine gives for its own failures: 125 (the engine), 126 (cannot invoke), 127 (no such command). */
const ENGINE_EXITS = [125, 126, 127];
/** A variable name an env file can carry. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function prepareContainerAttempt(
  input: ScriptInput & { image: string },
  runner: ScriptRunnerOptions,
  engine: ContainerEngine,
  options: AttemptOptions,
): Promise<Attempt> {
  const settings = runner.settings ?? defaultScriptSettings();
  const { limits, capped } = limitsOf(input.resources, settings);
  const notes = [...capped];
  const network = networkOf(input, settings.network);
  if (input.dependencies?.length)
    throw new AttemptSetupError('dependencies cannot be combined with image: the image carries what the script needs; install the packages in the image');
  const dir = await mkdtemp(join(tmpdir(), 'weft-script-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const work = join(dir, 'work');
    await mkdir(work, { mode: 0o700 });
    // A rootful engine's container root is the host's root (without capabilities): the script runs as nobody instead.
    const uid = !engine.rootless && process.getuid?.() === 0 ? SANDBOX_UID : undefined;
    if (uid !== undefined)
      for (const path of [dir, work]) {
        await chown(path, uid, uid);
        await chmod(path, 0o711);
      }
    const setup: Setup = { dir, work, uid, sandboxed: true, binds: [], cleanups };
    if (options.files?.length) await placeFiles(options.files, setup);
    const engineFiles = await mkdtemp(join(tmpdir(), 'weft-engine-'));
    cleanups.push(() => rm(engineFiles, { recursive: true, force: true }));
    // The script's environment never appears on a command line: the engine reads it from a file only the worker's user can read.
    const envFile = join(engineFiles, 'env');
    const scriptEnv: Record<string, string> = {
      LANG: 'C.UTF-8',
      HOME: join(CONTAINER_DIR, 'work'),
      TMPDIR: '/tmp',
      ...input.env,
      WEFT_RUN_ID: input.context.runId,
      WEFT_TASK_ID: input.context.taskId,
      WEFT_OUTPUT: join(CONTAINER_DIR, 'outputs.json'),
    };
    await writeFile(envFile, envFileText(scriptEnv), { mode: 0o600 });
    const name = `weft-${randomUUID()}`;
    const cgroup = await parentGroup(engine, limits, notes);
    if (cgroup) cleanups.push(() => cgroup.remove());
    const inContainer = (path: string) => join(CONTAINER_DIR, relative(dir, path));
    const cwd = options.workingDir ?? work;
    const mounts = [`${dir}:${CONTAINER_DIR}:rw`, ...setup.binds.map((b) => `${b.source}:${inContainer(b.target)}:ro`)];
    if (options.workingDir) mounts.push(`${options.workingDir}:${options.workingDir}:rw`);
    const colon = [dir, ...setup.binds.map((b) => b.source), options.workingDir ?? ''].find((p) => p.includes(':') || p.includes(','));
    if (colon) throw new AttemptSetupError(`the container runner cannot mount ${colon}: a path with ":" or "," cannot be named to the engine`);
    const removal = () => output(engine.path, [...engine.globalArgs, 'rm', '-f', ...(engine.kind === 'podman' ? ['-t', '0'] : []), name]);
    let oom: Promise<boolean> | undefined;
    const attempt: Attempt = {
      dir,
      cwd,
      scriptFile: join(dir, `script${options.extension}`),
      outputFile: join(dir, 'outputs.json'),
      limits,
      uid,
      notes,
      env: {},
      command(interpreter) {
        const args = [
          ...engine.globalArgs,
          'run',
          '--name',
          name,
          '--label',
          'weft.script=1',
          `--pull=${settings.containerPull}`,
          ...(network ? [] : ['--network=none']),
          // The script is not the container's PID 1, which the kernel spares the signals it does not
          // handle (SIGXCPU past cpuTime, SIGTERM): the engine's small init is, and reaps orphans.
          '--init',
          '--read-only',
          '--cap-drop=ALL',
          '--security-opt',
          'no-new-privileges',
          '--hostname',
          'weft-script',
          '--tmpfs',
          `/tmp:rw,size=${Math.min(limits.fileBytes, limits.memoryBytes)},mode=1777`,
          ...(uid !== undefined ? ['--user', `${uid}:${uid}`] : []),
          ...mounts.flatMap((m) => ['-v', m]),
          '--workdir',
          options.workingDir ? cwd : inContainer(work),
          '--env-file',
          envFile,
          ...limitArgs(engine, limits, cgroup),
          // The worker keeps what it logs; the engine need not store the output again.
          '--log-driver=none',
          '--',
          input.image,
          interpreter,
          inContainer(attempt.scriptFile),
        ];
        return { file: engine.path, args };
      },
      spawnEnv: engineEnv,
      stop() {
        void removal();
      },
      launchFailure(code, stderrTail) {
        if (code === null || !ENGINE_EXITS.includes(code)) return undefined;
        const line = stderrTail.trimEnd().split('\n').pop() ?? '';
        if (!line.startsWith('Error: ')) return undefined;
        const what = code === 127 ? ` (does image ${input.image} have ${INTERPRETERS[input.language]} on its PATH?)` : '';
        return `${engine.kind} could not run the script in image ${input.image}${what}: ${line.slice('Error: '.length, 400)}`;
      },
      oomKilled() {
        oom ??= cgroup ? cgroup.oomKilled() : inspectOomKilled(engine, name);
        return oom;
      },
      dispose,
    };
    // The container goes before its cgroup and directory (cleanups run last first).
    cleanups.push(async () => {
      await attempt.oomKilled();
      await removal();
    });
    return attempt;
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The interpreter of a language inside an image. */
export function containerInterpreter(language: ScriptInput['language']): string {
  return INTERPRETERS[language];
}

/** Whether the container gets the engine's network: a grant (true) under the operator's policy; a host list it cannot hold. */
function networkOf(input: ScriptInput, policy: 'granted' | 'off' | 'on'): boolean {
  const asked = input.network;
  if (policy === 'off') {
    if (asked !== undefined && asked !== false)
      throw new AttemptSetupError(
        'network grant refused: the operator turned script network off on this worker (WEFT_SCRIPT_NETWORK=off); remove network from the task',
      );
    return false;
  }
  if (Array.isArray(asked))
    throw new AttemptSetupError(
      'network cannot list hosts with image: the container runner cannot hold a container to a host list; write network: true, or leave image out',
    );
  return asked === true || policy === 'on';
}

/**
 * Memory in a parent group Weft makes (podman with cgroupfs, where it can make groups), else the
 * engine's own `--memory`; processes by the engine's `--pids-limit` on the container's group; CPU
 * time and file size by rlimits; open files and processes per user no more than the engine may hand on.
 */
function limitArgs(engine: ContainerEngine, limits: ScriptLimits, cgroup: ContainerCgroup | undefined): string[] {
  const memory = cgroup ? ['--cgroup-parent', cgroup.path] : ['--memory', String(limits.memoryBytes), '--memory-swap', String(limits.memoryBytes)];
  return [
    ...memory,
    '--pids-limit',
    String(limits.processes),
    '--ulimit',
    `cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    '--ulimit',
    `fsize=${limits.fileBytes}:${limits.fileBytes}`,
    '--ulimit',
    `nofile=${engine.nofile}:${engine.nofile}`,
    '--ulimit',
    `nproc=${engine.nproc}:${engine.nproc}`,
  ];
}

async function parentGroup(engine: ContainerEngine, limits: ScriptLimits, notes: string[]): Promise<ContainerCgroup | undefined> {
  if (engine.kind !== 'podman' || engine.cgroupManager !== 'cgroupfs') return undefined;
  return ContainerCgroup.create(await detectCgroups(), limits.memoryBytes).catch((error: Error) => {
    notes.push(`memory: the engine's own limit applies, the attempt's cgroup could not be made (${error.message})`);
    return undefined;
  });
}

/** The engine's own word on an out-of-memory kill of the container's first process (asked before the container is removed). */
async function inspectOomKilled(engine: ContainerEngine, name: string): Promise<boolean> {
  const answer = await output(engine.path, [...engine.globalArgs, 'inspect', '--format', '{{.State.OOMKilled}}', name]);
  return answer.stdout.trim() === 'true';
}

/** `NAME=value` lines; an engine's env file has no quoting, so a name it cannot carry or a line break in a value is refused. */
function envFileText(env: Record<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name))
      throw new AttemptSetupError(`env name ${JSON.stringify(name.slice(0, 100))} cannot be passed into a container: use letters, digits and _`);
    if (/[\n\r\0]/.test(value))
      throw new AttemptSetupError(
        `env.${name} holds a line break, which the container runner cannot pass (an engine's env file has one line per variable): encode it, e.g. as base64`,
      );
    lines.push(`${name}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}
