// `weft run FILE`: runs a flow file on the Weft worker (started by `weft dev` or `weft worker`)
// and prints the finished run, with task progress on stderr while it runs.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FlowValidationError, WeftError } from '../../errors.js';
import { getRunningView, type RunView, startRun, waitForRun } from '../../runs/run-client.js';
import { parseFlow } from '../../spec/parse-flow.js';
import { connectClient, loadConnectionSettings } from '../../temporal/connection-settings.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/weft-worker.js';
import { printResult, progress, runCommand } from '../output.js';
import { parseInputPairs } from '../parse-inputs.js';
import { readFlowFile } from './flow-commands.js';

interface RunOptions {
  input: string[];
  inputsFile?: string;
  json?: boolean;
  wait: boolean;
  taskQueue?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run <file>')
    .description('run a flow file and wait for it (needs `weft dev` or `weft worker` running)')
    .option('-i, --input <key=value>', 'an input, parsed by its declared type (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--inputs-file <file>', 'inputs as a JSON object')
    .option('--no-wait', 'print the run id and return at once')
    .option('--task-queue <name>', 'task queue of the worker', process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE)
    .option('--json', 'print the finished run as JSON')
    .action((file: string, options: RunOptions) => runCommand(options, () => runFile(file, options)));
}

async function runFile(file: string, options: RunOptions): Promise<number> {
  const parsed = parseFlow(await readFlowFile(file));
  if (!parsed.valid) throw new FlowValidationError(parsed.problems, file);
  const fromFile = options.inputsFile ? (JSON.parse(await readFile(options.inputsFile, 'utf8')) as Record<string, unknown>) : {};
  const inputs = { ...fromFile, ...parseInputPairs(parsed.flow, options.input) };
  const settings = loadConnectionSettings();
  const client = await connectClient(settings).catch((error: Error) => {
    throw new WeftError('TEMPORAL_UNREACHABLE', `cannot reach Temporal at ${settings.address}: ${error.message}`, {
      hint: 'start it with `npm start` (weft dev), or set TEMPORAL_ADDRESS',
    });
  });
  try {
    const { runId } = await startRun(client, { flow: parsed.flow, inputs, taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE, trigger: 'cli' });
    if (!options.wait) {
      printResult(options, { runId }, () => runId);
      return 0;
    }
    if (!options.json) progress(`run ${runId} started`);
    const stopWatching = options.json ? () => {} : watchProgress(client, runId);
    const view = await waitForRun(client, runId).finally(stopWatching);
    printResult(options, view, () => describeRun(view));
    return view.state === 'COMPLETED' ? 0 : 1;
  } finally {
    await client.connection.close();
  }
}

function watchProgress(client: Awaited<ReturnType<typeof connectClient>>, runId: string): () => void {
  const seen = new Map<string, string>();
  let stopped = false;
  const timer = setInterval(async () => {
    const view = await getRunningView(client, runId).catch(() => undefined);
    if (stopped) return;
    for (const task of view?.tasks ?? []) {
      const key = `${task.id}${task.iteration ? `[${task.iteration}]` : ''}`;
      if (seen.get(key) !== task.state) {
        seen.set(key, task.state);
        progress(`  ${task.state.padEnd(9)} ${key}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}`);
      }
    }
  }, 300);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function describeRun(view: RunView): string {
  const lines = [`${view.state} ${view.runId}`];
  if (view.error) lines.push(`  failed at ${view.error.taskId ?? 'run'}: ${view.error.type}: ${view.error.message}`);
  if (view.outputs && Object.keys(view.outputs).length) lines.push(`  outputs: ${JSON.stringify(view.outputs)}`);
  return lines.join('\n');
}
