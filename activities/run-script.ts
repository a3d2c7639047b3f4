// The script task's activity: runs bash, python or node in a subprocess with a minimal
// environment, streams every output line to the run logs, collects `::weft-output::` lines
// and the `$WEFT_OUTPUT` file, and kills the process group on timeout or cancellation.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogSink } from '../src/logs/log-sink.js';
import type { Redactor } from '../src/secrets/redactor.js';
import { withHeartbeat } from './heartbeat.js';
import { TASK_ERROR_TYPES, taskError } from './task-errors.js';
import type { LogLine, ScriptInput, ScriptOutput } from './types.js';

const INTERPRETERS = { bash: ['bash', '.sh'], python: ['python3', '.py'], node: [process.execPath, '.mjs'] } as const;
const OUTPUT_PREFIX = '::weft-output::';
const TAIL_CHARS = 4096;
const LOG_BATCH = 200;

export async function runScriptTask(input: ScriptInput, redactor: Redactor, logs: LogSink): Promise<ScriptOutput> {
  const [command, extension] = INTERPRETERS[input.language];
  const dir = await mkdtemp(join(tmpdir(), 'weft-script-'));
  const scriptFile = join(dir, `script${extension}`);
  const outputFile = join(dir, 'outputs.json');
  await writeFile(scriptFile, input.script, { mode: 0o600 });
  try {
    return await withHeartbeat((cancelled) => execute(input, command, scriptFile, outputFile, dir, cancelled, redactor, logs));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function execute(
  input: ScriptInput,
  command: string,
  scriptFile: string,
  outputFile: string,
  dir: string,
  cancelled: AbortSignal,
  redactor: Redactor,
  logs: LogSink,
): Promise<ScriptOutput> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...input.env,
    WEFT_RUN_ID: input.context.runId,
    WEFT_TASK_ID: input.context.taskId,
    WEFT_OUTPUT: outputFile,
  };
  const child = spawn(command, [scriptFile], { cwd: input.workingDir ?? dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const outputs: Record<string, unknown> = {};
  const tails = { stdout: '', stderr: '' };
  const lineCounts = { stdout: 0, stderr: 0 };
  const { context } = input;
  const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
  const pending: LogLine[] = [];
  let flushing = Promise.resolve();
  const flush = () => {
    const batch = pending.splice(0);
    flushing = flushing.then(() => logs.write(batch));
  };
  const onLine = (stream: 'stdout' | 'stderr') => (raw: string) => {
    const line = redactor.text(raw);
    if (stream === 'stdout' && raw.startsWith(OUTPUT_PREFIX)) mergeOutputs(outputs, raw.slice(OUTPUT_PREFIX.length));
    tails[stream] = (tails[stream] + line + '\n').slice(-TAIL_CHARS);
    lineCounts[stream] += 1;
    const entry: LogLine = {
      id: `${context.runId}|${key}#${context.attempt}|${stream}|${lineCounts[stream]}`,
      runId: context.runId,
      flow: context.flow ?? '',
      taskId: context.taskId,
      attempt: context.attempt,
      level: stream === 'stderr' ? 'warn' : 'info',
      message: line,
      time: new Date().toISOString(),
    };
    pending.push(input.context.iteration ? { ...entry, iteration: input.context.iteration } : entry);
    if (pending.length >= LOG_BATCH) flush();
  };
  const closed = Promise.all([
    new Promise<void>((resolve) => createInterface({ input: child.stdout }).on('line', onLine('stdout')).on('close', resolve)),
    new Promise<void>((resolve) => createInterface({ input: child.stderr }).on('line', onLine('stderr')).on('close', resolve)),
  ]);
  let timedOut = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, input.timeoutMs);
  cancelled.addEventListener('abort', killGroup, { once: true });
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  clearTimeout(timer);
  cancelled.removeEventListener('abort', killGroup);
  await closed;
  flush();
  await flushing;
  if (exit.error) throw taskError(TASK_ERROR_TYPES.scriptSetup, `cannot start ${input.language}: ${exit.error.message}`, redactor);
  if (cancelled.aborted) throw new Error('script cancelled');
  if (timedOut)
    throw taskError(TASK_ERROR_TYPES.scriptTimeout, `script ran longer than ${input.timeoutMs} ms and was killed`, redactor, { stderrTail: tails.stderr });
  await mergeOutputFile(outputs, outputFile);
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

function mergeOutputs(outputs: Record<string, unknown>, json: string): void {
  try {
    const value = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(outputs, value);
  } catch {
    // Not JSON: the line stays in the logs as written.
  }
}

async function mergeOutputFile(outputs: Record<string, unknown>, file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  if (text.trim()) mergeOutputs(outputs, text);
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop()?.slice(0, 300) ?? '';
}
