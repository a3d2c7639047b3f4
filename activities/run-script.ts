// The script task's activity: runs bash, python or node in a sandboxed subprocess (see
// script-sandbox.ts) with a minimal environment, streams every output line (bounded, see
// script-lines.ts) to the run logs, collects `::weft-output::` lines and the `$WEFT_OUTPUT` file,
// and kills everything the script started when it exits, times out or is cancelled.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { LogLine, ScriptInput, ScriptOutput } from '../src/core/runs/activity-io.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { Redactor } from '../src/services/secrets/redactor.js';
import { withHeartbeat } from './heartbeat.js';
import { cutLineText, LineSplitter, MAX_LINE_BYTES } from './script-lines.js';
import { hiddenDirHolding, probeSandbox, type ScriptRunnerOptions, scriptCommand } from './script-sandbox.js';
import { TASK_ERROR_TYPES, taskError } from './task-errors.js';

const INTERPRETERS = { bash: ['bash', '.sh'], python: ['python3', '.py'], node: [process.execPath, '.mjs'] } as const;
const OUTPUT_PREFIX = '::weft-output::';
const TAIL_CHARS = 4096;
const LOG_BATCH = 200;
/** Log batches in flight before reading the script's output pauses (so memory stays bounded). */
const MAX_BATCHES_IN_FLIGHT = 4;
/** Largest `$WEFT_OUTPUT` file read, in bytes. */
export const MAX_OUTPUT_FILE_BYTES = 32 * 1024 * 1024;
/** How long output pipes may stay open after the script exited (held by an escaped child). */
const PIPE_GRACE_MS = 1000;

/** What one script attempt runs with, besides its input. */
export interface ScriptRun {
  redactor: Redactor;
  logs: LogSink;
  runner: ScriptRunnerOptions;
  /** Cancels the script (the activity's cancellation). */
  signal?: AbortSignal;
}

/** The activity body: the script under the activity's heartbeat and cancellation. */
export async function runScriptTask(input: ScriptInput, redactor: Redactor, logs: LogSink, runner: ScriptRunnerOptions): Promise<ScriptOutput> {
  return withHeartbeat((signal) => executeScript(input, { redactor, logs, runner, signal }));
}

/** Runs one attempt of a script task; task errors are `ApplicationFailure`s of TASK_ERROR_TYPES. */
export async function executeScript(input: ScriptInput, run: ScriptRun): Promise<ScriptOutput> {
  const cwd = await workingDirOf(input, run);
  if (run.runner.kind === 'bubblewrap') {
    const unavailable = await probeSandbox(run.runner);
    if (unavailable) throw taskError(TASK_ERROR_TYPES.scriptSetup, unavailable.message, run.redactor);
  }
  const [command, extension] = INTERPRETERS[input.language];
  const dir = await mkdtemp(join(tmpdir(), 'weft-script-'));
  const scriptFile = join(dir, `script${extension}`);
  await writeFile(scriptFile, input.script, { mode: 0o600 });
  try {
    return await execute(input, run, { command, scriptFile, outputFile: join(dir, 'outputs.json'), cwd: cwd ?? dir, home: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The task's `workingDir`, checked: it must exist, be a directory, and lie outside Weft's own files. */
async function workingDirOf(input: ScriptInput, run: ScriptRun): Promise<string | undefined> {
  if (input.workingDir === undefined) return undefined;
  const dir = resolve(input.workingDir);
  const setup = (problem: string, hint: string) => taskError(TASK_ERROR_TYPES.scriptSetup, `workingDir ${input.workingDir} ${problem}: ${hint}`, run.redactor);
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw setup('does not exist', 'create it before the task runs, or leave workingDir out to run in a fresh private directory');
  if (!info.isDirectory()) throw setup('is not a directory', 'name a directory, or leave workingDir out');
  const hidden = hiddenDirHolding(run.runner, dir);
  if (hidden) throw setup(`is inside ${hidden}, which holds Weft's own files and is hidden from scripts`, 'use a directory outside it');
  return dir;
}

interface Files {
  command: string;
  scriptFile: string;
  outputFile: string;
  cwd: string;
  home: string;
}

async function execute(input: ScriptInput, run: ScriptRun, files: Files): Promise<ScriptOutput> {
  const { redactor, logs, runner } = run;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? files.home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...input.env,
    WEFT_RUN_ID: input.context.runId,
    WEFT_TASK_ID: input.context.taskId,
    WEFT_OUTPUT: files.outputFile,
  };
  const { file, args } = scriptCommand(runner, files.command, [files.scriptFile]);
  // Its own process group, so one signal reaches the script and every child left in the group.
  const child = spawn(file, args, { cwd: files.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
  const onLine = (stream: 'stdout' | 'stderr') => (raw: string, cutFrom?: number) => {
    // A cut line is redacted before it is cut, so the cut cannot split a secret it shows.
    const line = cutFrom === undefined ? redactor.text(raw) : cutLineText(redactor.text(raw), cutFrom);
    tails[stream] = (tails[stream] + line + '\n').slice(-TAIL_CHARS);
    addLine(stream, line, stream === 'stderr' ? 'warn' : 'info');
    if (stream !== 'stdout' || !raw.startsWith(OUTPUT_PREFIX)) return;
    if (cutFrom === undefined) mergeOutputs(outputs, raw.slice(OUTPUT_PREFIX.length));
    else
      addLine(
        stream,
        `${OUTPUT_PREFIX} line of ${cutFrom} bytes refused: longer than ${MAX_LINE_BYTES} bytes (write large outputs as JSON to the file named by $WEFT_OUTPUT)`,
        'warn',
      );
  };
  const closed = Promise.all([readLines(child.stdout, onLine('stdout')), readLines(child.stderr, onLine('stderr'))]);
  let timedOut = false;
  const killTree = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killTree();
  }, input.timeoutMs);
  const cancelled = run.signal;
  cancelled?.addEventListener('abort', killTree, { once: true });
  if (cancelled?.aborted) killTree();
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  cancelled?.removeEventListener('abort', killTree);
  // Children left in the group (`cmd &`) die with the task. In the sandbox everything the script
  // started, `setsid` ones too, is already gone: its PID namespace ended with it.
  killTree();
  await endStreams(closed, streams);
  flush();
  await flushing;
  if (exit.error) throw taskError(TASK_ERROR_TYPES.scriptSetup, `cannot start ${input.language}: ${exit.error.message}`, redactor);
  if (cancelled?.aborted) throw new Error('script cancelled');
  if (timedOut)
    throw taskError(TASK_ERROR_TYPES.scriptTimeout, `script ran longer than ${input.timeoutMs} ms and was killed`, redactor, { stderrTail: tails.stderr });
  await mergeOutputFile(outputs, files.outputFile, redactor);
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

async function mergeOutputFile(outputs: Record<string, unknown>, file: string, redactor: Redactor): Promise<void> {
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) return;
  if (size > MAX_OUTPUT_FILE_BYTES)
    throw taskError(TASK_ERROR_TYPES.outputTooLarge, `$WEFT_OUTPUT file too large: ${size} bytes, over the limit of ${MAX_OUTPUT_FILE_BYTES} bytes`, redactor);
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim()) mergeOutputs(outputs, text);
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop()?.slice(0, 300) ?? '';
}
