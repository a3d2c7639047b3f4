// A script attempt in a container: the task's `image` run by podman or docker with no network of
// its own (a grant goes through the attempt's proxy, as in the sandbox), a read-only root, no
// capabilities, a tmpfs /tmp, the attempt's directory at /weft (work dir, script, $WEFT_OUTPUT),
// namespace files read-only, the script's environment from a 0600 file, and the attempt's limits;
// the container is removed when it ends or is stopped.

import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ScriptInput } from '../src/core/runs/activity-io.js';
import { type ContainerPull, defaultScriptSettings, type ScriptLimits } from '../src/services/config/script-settings.js';
import { type ContainerEngine, engineEnv, output } from '../src/services/containers/container-engine.js';
import { type Attempt, type AttemptOptions, AttemptSetupError, networkGrant, placeFiles, type Setup } from './script-attempt.js';
import { detectCgroups } from './script-cgroup.js';
import { ContainerCgroup } from './script-container-cgroup.js';
import { relayUnsupported, startRelay } from './script-container-relay.js';
import { limitsOf } from './script-limits.js';
import { startScriptProxy } from './script-proxy.js';
import { RELAY_PORT } from './script-relay.js';
import { type ReadOnlyBind, SANDBOX_UID, type ScriptRunnerOptions } from './script-sandbox.js';

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
  if (input.dependencies?.length)
    throw new AttemptSetupError('dependencies cannot be combined with image: the image carries what the script needs; install the packages in the image');
  const grant = networkGrant(input, runner);
  const unsupported = grant && relayUnsupported(engine);
  if (unsupported) throw new AttemptSetupError(`network grant refused: a container reaches the network only through Weft's proxy, and ${unsupported}`);
  const dir = await mkdtemp(join(tmpdir(), 'weft-script-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    const { work, uid, binds } = await attemptDirectory(dir, engine, options, cleanups);
    // The env file and the proxy's socket stay outside what the container mounts.
    const engineFiles = await mkdtemp(join(tmpdir(), 'weft-engine-'));
    cleanups.push(() => rm(engineFiles, { recursive: true, force: true }));
    const name = `weft-${randomUUID()}`;
    const removal = () => output(engine.path, [...engine.globalArgs, 'rm', '-f', ...(engine.kind === 'podman' ? ['-t', '0'] : []), name]);
    let oom: Promise<boolean> | undefined;
    const cgroup = await parentGroup(engine, limits, notes);
    if (cgroup) cleanups.push(() => cgroup.remove());
    // The container goes before its cgroup and directory (cleanups run last first); the engine's
    // word on an out-of-memory kill is asked before it goes.
    const oomKilled = () => {
      oom ??= cgroup ? cgroup.oomKilled() : inspectOomKilled(engine, name);
      return oom;
    };
    cleanups.push(async () => {
      await oomKilled();
      await removal();
    });
    const proxySocket = grant ? join(engineFiles, 'proxy.sock') : undefined;
    if (grant && proxySocket) cleanups.push((await startScriptProxy(proxySocket, { ...grant, onRefused: options.onRefused })).close);
    const envFile = await writeEnvFile(input, engineFiles, proxySocket !== undefined);
    const scriptFile = join(dir, `script${options.extension}`);
    const run = { name, engine, limits, cgroup, uid, dir, work, envFile, binds, workingDir: options.workingDir, pull: settings.containerPull };
    const containerArgs = [...runOptions(run), '--', input.image, INTERPRETERS[input.language], join(CONTAINER_DIR, relative(dir, scriptFile))];
    const started = proxySocket
      ? await createWithRelay({ engine, input, name, containerArgs, proxySocket, cleanups })
      : [...engine.globalArgs, 'run', ...containerArgs];
    return {
      dir,
      cwd: options.workingDir ?? work,
      scriptFile,
      outputFile: join(dir, 'outputs.json'),
      limits,
      uid,
      notes,
      env: {},
      command: () => ({ file: engine.path, args: started }),
      spawnEnv: engineEnv,
      stop() {
        void removal();
      },
      launchFailure: (code, stderrTail) => engineFailure(engine, input, code, stderrTail),
      oomKilled,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The attempt's directory and work dir, owned by the script's user, with the task's namespace files placed read-only. */
async function attemptDirectory(
  dir: string,
  engine: ContainerEngine,
  options: AttemptOptions,
  cleanups: Array<() => Promise<void>>,
): Promise<{ work: string; uid: number | undefined; binds: ReadOnlyBind[] }> {
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
  return { work, uid, binds: setup.binds };
}

/**
 * The script's environment as a file only the worker's user can read, outside what the container
 * mounts: it never appears on a command line. With a grant, the proxy variables name the relay.
 */
async function writeEnvFile(input: ScriptInput, engineFiles: string, proxied: boolean): Promise<string> {
  const url = `http://127.0.0.1:${RELAY_PORT}`;
  const proxy: Record<string, string> = proxied ? { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, ALL_PROXY: url, all_proxy: url } : {};
  const env: Record<string, string> = {
    LANG: 'C.UTF-8',
    HOME: join(CONTAINER_DIR, 'work'),
    TMPDIR: '/tmp',
    ...proxy,
    ...input.env,
    WEFT_RUN_ID: input.context.runId,
    WEFT_TASK_ID: input.context.taskId,
    WEFT_OUTPUT: join(CONTAINER_DIR, 'outputs.json'),
  };
  const file = join(engineFiles, 'env');
  await writeFile(file, envFileText(env), { mode: 0o600 });
  return file;
}

/** Creates the container, then the relay in its network namespace; the script starts after, with `start --attach`. */
async function createWithRelay(o: {
  engine: ContainerEngine;
  input: ScriptInput & { image: string };
  name: string;
  containerArgs: string[];
  proxySocket: string;
  cleanups: Array<() => Promise<void>>;
}): Promise<string[]> {
  const { engine, input } = o;
  // A pull happens here: it counts against the task's timeout, as it does for `run`.
  const created = await output(engine.path, [...engine.globalArgs, 'create', ...o.containerArgs], input.timeoutMs);
  if (created.code !== 0)
    throw new AttemptSetupError(engineFailure(engine, input, created.code, created.stderr) ?? `podman create failed: ${created.stderr.trim().slice(-300)}`);
  const relay = await startRelay(engine, o.name, o.proxySocket);
  o.cleanups.push(async () => {
    relay.kill('SIGKILL');
  });
  return [...engine.globalArgs, 'start', '--attach', o.name];
}

interface RunOptions {
  name: string;
  engine: ContainerEngine;
  limits: ScriptLimits;
  cgroup: ContainerCgroup | undefined;
  uid: number | undefined;
  dir: string;
  work: string;
  envFile: string;
  binds: ReadOnlyBind[];
  workingDir: string | undefined;
  pull: ContainerPull;
}

/** The options of `run` or `create`: isolation, mounts, environment and limits. */
function runOptions(o: RunOptions): string[] {
  const inContainer = (path: string) => join(CONTAINER_DIR, relative(o.dir, path));
  const mounts = [`${o.dir}:${CONTAINER_DIR}:rw`, ...o.binds.map((b) => `${b.source}:${inContainer(b.target)}:ro`)];
  if (o.workingDir) mounts.push(`${o.workingDir}:${o.workingDir}:rw`);
  const named = [o.dir, ...o.binds.map((b) => b.source), o.workingDir ?? ''].find((p) => p.includes(':') || p.includes(','));
  if (named) throw new AttemptSetupError(`the container runner cannot mount ${named}: a path with ":" or "," cannot be named to the engine`);
  return [
    '--name',
    o.name,
    '--label',
    'weft.script=1',
    // Whose container it is: a worker that starts removes those of a worker on this host that died.
    '--label',
    `weft.worker=${hostname()}:${process.pid}`,
    `--pull=${o.pull}`,
    // No network of its own: a grant reaches the outside only through the attempt's proxy.
    '--network=none',
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
    `/tmp:rw,size=${Math.min(o.limits.fileBytes, o.limits.memoryBytes)},mode=1777`,
    ...(o.uid !== undefined ? ['--user', `${o.uid}:${o.uid}`] : []),
    ...mounts.flatMap((m) => ['-v', m]),
    '--workdir',
    o.workingDir ?? inContainer(o.work),
    '--env-file',
    o.envFile,
    ...limitArgs(o.engine, o.limits, o.cgroup),
    // The worker keeps what it logs; the engine need not store the output again.
    '--log-driver=none',
  ];
}

/** Why the engine, not the script, ended the attempt: an engine's exit code with its `Error:` line, or its init unable to start the interpreter. */
function engineFailure(engine: ContainerEngine, input: ScriptInput & { image: string }, code: number | null, stderrTail: string): string | undefined {
  const line = stderrTail.trimEnd().split('\n').pop() ?? '';
  const interpreter = INTERPRETERS[input.language];
  // The init's own words (podman's catatonit, docker's tini) when the interpreter is not in the image.
  if (code !== 0 && /^(ERROR \(catatonit:\d+\): failed to exec pid1|\[FATAL tini \(\d+\)\] exec .* failed)/.test(line))
    return `image ${input.image} has no ${interpreter} on its PATH, which a ${input.language} script needs: use an image that has it (${line.slice(0, 200)})`;
  if (code === null || !ENGINE_EXITS.includes(code) || !line.startsWith('Error: ')) return undefined;
  const what = code === 127 ? ` (does image ${input.image} have ${interpreter} on its PATH?)` : '';
  return `${engine.kind} could not run the script in image ${input.image}${what}: ${line.slice('Error: '.length, 400)}`;
}

/** The interpreter of a language inside an image. */
export function containerInterpreter(language: ScriptInput['language']): string {
  return INTERPRETERS[language];
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
