// The script task's activity: runs bash, python or node in a sandboxed subprocess (see
// script-sandbox.ts, script-attempt.ts) with a minimal environment and kernel-enforced limits,
// streams its output lines (each bounded, see script-lines.ts, and all of them together by
// resources.outputBytes) to the run logs, collects `::weft-output::` lines and the `$WEFT_OUTPUT`
// file, and kills everything the script started when it exits, times out or is cancelled.

import { spawn } from 'node:child_process';
import { chown, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { Readable } from 'node:stream';
import type { LogLine, ScriptInput, ScriptOutput } from '../src/core/runs/activity-io.js';
import { type ContainerEngine, findContainerEngine } from '../src/services/containers/container-engine.js';
import type { NamespaceFileReader } from '../src/services/files/file-service.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { Redactor } from '../src/services/secrets/redactor.js';
import { withHeartbeat } from './heartbeat.js';
import { type Attempt, AttemptSetupError, prepareAttempt } from './script-attempt.js';
import { containerInterpreter, prepareContainerAttempt } from './script-container.js';
import { LAUNCH_FAILED } from './script-limits.js';
import { cutLineText, LineSplitter, MAX_LINE_BYTES } from './script-lines.js';
import { hiddenDirHolding, probeSandbox, realOrResolved, type ScriptRunnerOptions } from './script-sandbox.js';
import { readTaskFiles, SetupLines, TaskFilesError } from './script-setup.js';
import { TASK_ERROR_TYPES, taskError } from './task-errors.js';

const INTERPRETERS = { bash: ['bash', '.sh'], python: ['python3', '.py'], node: [process.execPath, '.mjs'] } as const;
const OUTPUT_PREFIX = '::weft-output::';
const TAIL_CHARS = 4096;
const LOG_BATCH = 200;
/** Log batches in flight before reading the script's output pauses (so memory stays bounded). */
const MAX_BATCHES_IN_FLIGHT = 4;
/** Exit status of a process killed by SIGXCPU (over its CPU time), as bwrap and shells report it. */
const SIGXCPU_EXIT = 128 + 24;
/** How long output pipes may stay open after the script exited (held by an escaped child). */
const PIPE_GRACE_MS = 1000;

/** What one script attempt runs with, besides its input. */
export interface ScriptRun {
  redactor: Redactor;
  logs: LogSink;
  runner: ScriptRunnerOptions;
  /** Cancels the script (the activity's cancellation). */
  signal?: AbortSignal;
  /** Where the task's namespace files are read (absent: a task that lists files fails). */
  files?: NamespaceFileReader;
}

/** The activity body: the script under the activity's heartbeat and cancellation. */
export async function runScriptTask(input: ScriptInput, run: Omit<ScriptRun, 'signal'>): Promise<ScriptOutput> {
  return withHeartbeat((signal) => executeScript(input, { ...run, signal }));
}

/** Runs one attempt of a script task; task errors are `ApplicationFailure`s of TASK_ERROR_TYPES. */
export async function executeScript(input: ScriptInput, run: ScriptRun): Promise<ScriptOutput> {
  const cwd = await workingDirOf(input, run);
  const engine = input.image === undefined ? undefined : await containerEngineFor(run);
  if (run.runner.kind !== 'process' && !engine) {
    const unavailable = await probeSandbox(run.runner);
    if (unavailable) throw taskError(TASK_ERROR_TYPES.scriptSetup, unavailable.message, run.redactor);
  }
  const [hostCommand, extension] = INTERPRETERS[input.language];
  const command = engine ? containerInterpreter(input.language) : hostCommand;
  const refusals: string[] = [];
  const setupLines = new SetupLines(input, run.logs);
  let attempt: Attempt;
  try {
    const files = await readTaskFiles(input, run.files);
    const options = { extension, workingDir: cwd, onRefused: (line: string) => refusals.push(line), onDependencyLine: setupLines.add, files };
    attempt =
      engine && input.image !== undefined
        ? await prepareContainerAttempt({ ...input, image: input.image }, run.runner, engine, options)
        : await prepareAttempt(input, run.runner, options);
  } catch (error) {
    if (error instanceof AttemptSetupError)
      throw taskError(error.kind === 'dependency' ? TASK_ERROR_TYPES.scriptDependency : TASK_ERROR_TYPES.scriptSetup, error.message, run.redactor);
    if (error instanceof TaskFilesError) throw taskError(TASK_ERROR_TYPES.scriptSetup, error.message, run.redactor);
    throw error;
  } finally {
    await setupLines.done();
  }
  try {
    await writeFile(attempt.scriptFile, input.script, { mode: 0o600 });
    if (attempt.uid !== undefined) await chown(attempt.scriptFile, attempt.uid, attempt.uid);
    return await execute(input, run, { command, attempt, refusals });
  } finally {
    await attempt.dispose();
  }
}

/** The worker's container engine, for a task with `image`; none is a ScriptSetupError saying what to install. */
async function containerEngineFor(run: ScriptRun): Promise<ContainerEngine> {
  const lookup = await findContainerEngine(run.runner.settings?.containerEngine ?? 'auto');
  if ('engine' in lookup) return lookup.engine;
  throw taskError(TASK_ERROR_TYPES.scriptSetup, `image: this worker has no container runner: ${lookup.unavailable}`, run.redactor);
}

/** The task's `workingDir`, checked: it must exist, be a directory, and lie outside Weft's own files. */
async function workingDirOf(input: ScriptInput, run: ScriptRun): Promise<string | undefined> {
  if (input.workingDir === undefined) return undefined;
  const dir = realOrResolved(input.workingDir);
  const setup = (problem: string, hint: string) => taskError(TASK_ERROR_TYPES.scriptSetup, `workingDir ${input.workingDir} ${problem}: ${hint}`, run.redactor);
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw setup('does not exist', 'create it before the task runs, or leave workingDir out to run in a fresh private directory');
  if (!info.isDirectory()) throw setup('is not a directory', 'name a directory, or leave workingDir out');
  const hidden = hiddenDirHolding(run.runner, dir);
  if (hidden) throw setup(`is inside ${hidden}, which holds Weft's own files and is hidden from scripts`, 'use a directory outside it');
  const allowed = run.runner.settings?.workingDirs ?? [];
  const inside = allowed.some((root) => {
    const rel = relative(realOrResolved(root), dir);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
  if (run.runner.kind !== 'process' && !inside)
    throw setup(
      `is outside the directories scripts may write (WEFT_SCRIPT_WORKING_DIRS: ${allowed.join(',') || 'none'})`,
      'leave workingDir out to run in a fresh private directory, or have the operator list its parent in WEFT_SCRIPT_WORKING_DIRS',
    );
  return dir;
}

interface Files {
  command: string;
  attempt: Attempt;
  /** Connections the network proxy refused, filled while the script runs. */
  refusals: string[];
}

async function execute(input: ScriptInput, run: ScriptRun, files: Files): Promise<ScriptOutput> {
  const { redactor, logs } = run;
  const { attempt } = files;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? attempt.dir,
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...attempt.env,
    ...input.env,
    WEFT_RUN_ID: input.context.runId,
    WEFT_TASK_ID: input.context.taskId,
    WEFT_OUTPUT: attempt.outputFile,
  };
  const { file, args } = attempt.command(files.command);
  // Its own process group, so one signal reaches the script and every child left in the group.
  const child = spawn(file, args, { cwd: attempt.cwd, env: attempt.spawnEnv?.() ?? env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const outputs: Record<string, unknown> = {};
  const tails = { stdout: '', stderr: '' };
  const lineCounts = { stdout: 0, stderr: 0 };
  const { context } = input;
  const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
  const pending: LogLine[] = [];
  let flushing = Promise.resolve();
  let inFlight = 0;
  const streams = [child.stdout, child.stderr];
  const flush = () => {
    const batch = pending.splice(0);
    if (!batch.length) return;
    inFlight += 1;
    if (inFlight >= MAX_BATCHES_IN_FLIGHT) for (const s of streams) s.pause();
    flushing = flushing
      .then(() => logs.write(batch))
      .finally(() => {
        inFlight -= 1;
        if (inFlight < MAX_BATCHES_IN_FLIGHT) for (const s of streams) s.resume();
      });
  };
  const addLine = (stream: 'stdout' | 'stderr', message: string, level: LogLine['level']) => {
    lineCounts[stream] += 1;
    const entry: LogLine = {
      id: `${context.runId}|${key}#${context.attempt}|${stream}|${lineCounts[stream]}`,
      runId: context.runId,
      flow: context.flow ?? '',
      taskId: context.taskId,
      attempt: context.attempt,
      level,
      message,
      time: new Date().toISOString(),
    };
    pending.push(context.iteration ? { ...entry, iteration: context.iteration } : entry);
    if (pending.length >= LOG_BATCH) flush();
  };
  /** Bytes of output lines the logs may still take (resources.outputBytes), and what went past it. */
  const budget = { left: attempt.limits.outputBytes, droppedLines: 0, droppedBytes: 0 };
  const onLine = (stream: 'stdout' | 'stderr') => (raw: string, cutFrom?: number) => {
    // A cut line is redacted before it is cut, so the cut cannot split a secret it shows.
    const line = cutFrom === undefined ? redactor.text(raw) : cutLineText(redactor.text(raw), cutFrom);
    tails[stream] = (tails[stream] + line + '\n').slice(-TAIL_CHARS);
    // Past the budget a line is only counted: its outputs still count, the pipe is still drained.
    if (budget.left > 0) {
      budget.left -= Buffer.byteLength(line) + 1;
      addLine(stream, line, stream === 'stderr' ? 'warn' : 'info');
    } else {
      budget.droppedLines += 1;
      budget.droppedBytes += (cutFrom ?? Buffer.byteLength(raw)) + 1;
    }
    if (stream !== 'stdout' || !raw.startsWith(OUTPUT_PREFIX)) return;
    if (cutFrom === undefined) mergeOutputs(outputs, raw.slice(OUTPUT_PREFIX.length));
    else
      addLine(
        stream,
        `${OUTPUT_PREFIX} line of ${cutFrom} bytes refused: longer than ${MAX_LINE_BYTES} bytes (write large outputs as JSON to the file named by $WEFT_OUTPUT)`,
        'warn',
      );
  };
  for (const note of attempt.notes) addLine('stderr', note, 'warn');
  const closed = Promise.all([readLines(child.stdout, onLine('stdout')), readLines(child.stderr, onLine('stderr'))]);
  let timedOut = false;
  const killTree = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  const stop = () => {
    // A container outlives its engine client: the engine removes it.
    attempt.stop?.();
    killTree();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, input.timeoutMs);
  const cancelled = run.signal;
  cancelled?.addEventListener('abort', stop, { once: true });
  if (cancelled?.aborted) stop();
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  cancelled?.removeEventListener('abort', stop);
  // Children left in the group (`cmd &`) die with the task. In the sandbox everything the script
  // started, `setsid` ones too, is already gone: its PID namespace ended with it.
  killTree();
  await endStreams(closed, streams);
  if (budget.droppedLines > 0)
    addLine(
      'stderr',
      `output cut: ${budget.droppedLines} lines (${budget.droppedBytes} bytes) of stdout and stderr were not kept, past resources.outputBytes (${attempt.limits.outputBytes} bytes logged)`,
      'warn',
    );
  for (const line of files.refusals.splice(0, 100)) addLine('stderr', line, 'warn');
  flush();
  await flushing;
  if (exit.error) throw taskError(TASK_ERROR_TYPES.scriptSetup, `cannot start ${input.language}: ${exit.error.message}`, redactor);
  if (cancelled?.aborted) throw new Error('script cancelled');
  if (timedOut)
    throw taskError(TASK_ERROR_TYPES.scriptTimeout, `script ran longer than ${input.timeoutMs} ms and was killed`, redactor, { stderrTail: tails.stderr });
  if (exit.code !== 0 && (await attempt.oomKilled()))
    throw taskError(
      TASK_ERROR_TYPES.scriptMemory,
      `script used more than its memory limit of ${attempt.limits.memoryBytes} bytes and was killed: raise resources.memory (the worker's ceiling applies)`,
      redactor,
      { stderrTail: tails.stderr },
    );
  if (exit.code === SIGXCPU_EXIT)
    throw taskError(
      TASK_ERROR_TYPES.scriptCpuTime,
      `a script process used more than its CPU time limit of ${attempt.limits.cpuSeconds} s and was killed: raise resources.cpuTime (the worker's ceiling applies)`,
      redactor,
      { stderrTail: tails.stderr },
    );
  const engineFailure = attempt.launchFailure?.(exit.code, tails.stderr);
  if (engineFailure) throw taskError(TASK_ERROR_TYPES.scriptSetup, engineFailure, redactor);
  if (exit.code === LAUNCH_FAILED && !tails.stdout && tails.stderr.includes('weft-launch'))
    throw taskError(TASK_ERROR_TYPES.scriptSetup, `script could not join its cgroup: ${lastLine(tails.stderr)}`, redactor);
  await mergeOutputFile(outputs, attempt.outputFile, attempt.limits.outputFileBytes, redactor);
  const result: ScriptOutput = { exitCode: exit.code ?? -1, outputs, stdoutTail: tails.stdout, stderrTail: tails.stderr };
  if (exit.code !== 0) {
    throw taskError(
      TASK_ERROR_TYPES.scriptExit,
      `script exited with code ${exit.code}: ${lastLine(tails.stderr) || lastLine(tails.stdout)}`,
      redactor,
      redactor.value(result),
    );
  }
  return redactor.value(result);
}

function readLines(stream: Readable, onLine: (text: string, cutFrom?: number) => void): Promise<void> {
  const splitter = new LineSplitter(onLine);
  return new Promise((done) => {
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.once('close', () => {
      splitter.end();
      done();
    });
  });
}

/** Waits for the output pipes to close; a process that escaped the kill may hold them, so not for long. */
async function endStreams(closed: Promise<unknown>, streams: Readable[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((done) => {
    timer = setTimeout(done, PIPE_GRACE_MS);
  });
  await Promise.race([closed, grace]);
  clearTimeout(timer);
  for (const stream of streams) stream.destroy();
  await closed;
}

function mergeOutputs(outputs: Record<string, unknown>, json: string): void {
  try {
    const value = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(outputs, value);
  } catch {
    // Not JSON: the line stays in the logs as written.
  }
}

async function mergeOutputFile(outputs: Record<string, unknown>, file: string, maxBytes: number, redactor: Redactor): Promise<void> {
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) return;
  if (size > maxBytes)
    throw taskError(TASK_ERROR_TYPES.outputTooLarge, `$WEFT_OUTPUT file too large: ${size} bytes, over the limit of ${maxBytes} bytes`, redactor);
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim()) mergeOutputs(outputs, text);
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop()?.slice(0, 300) ?? '';
}
