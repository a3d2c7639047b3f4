// `weft run restart RUN_ID`: a new run of an ended run from a task (default: its failed task),
// reusing the task runs that completed before it with the same rendered configuration.

import type { Command } from 'commander';
import { WeftError } from '../../core/errors.js';
import type { RunDetail, RunService } from '../../services/run-service.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import type { ServicesContext } from '../../services/services-context.js';
import { printResult, progress, runCommand } from './output.js';
import { parseInputPairs } from './parse-inputs.js';
import { withServices } from './with-services.js';

interface RestartOptions {
  from?: string;
  revision: string;
  input: string[];
  wait?: boolean;
  watch?: boolean;
  taskQueue?: string;
  json?: boolean;
}

/** How `run restart` shows a run it waited on: the run command's own follower and text. */
export interface RunShow {
  watch: (runs: RunService, runId: string, show: boolean) => Promise<RunDetail>;
  describeRun: (view: RunDetail) => string;
}

const collect = (value: string, all: string[]) => [...all, value];

export function registerRunRestart(run: Command, show: RunShow): void {
  run
    .command('restart <runId>')
    .description('restart an ended run from a task as a new run, reusing what completed before it')
    .option('--from <taskId>', 'the task to restart from (default: the failed task; required for a run that did not fail)')
    .option('--revision <which>', 'same (the revision the run ran) or latest', 'same')
    .option('-i, --input <key=value>', 'an input that replaces the run’s own (repeatable)', collect, [])
    .option('--wait', 'wait for the new run to finish and print it')
    .option('--watch', 'show task progress while waiting (implies --wait)')
    .option('--task-queue <name>', 'task queue of the worker')
    .option('--json', 'print the result as JSON')
    .action((runId: string, options: RestartOptions) => runCommand(options, () => withServices((ctx) => restart(ctx, runId, options, show))));
}

async function restart(ctx: ServicesContext, runId: string, options: RestartOptions, show: RunShow): Promise<number> {
  if (options.revision !== 'same' && options.revision !== 'latest') {
    throw new WeftError('INVALID_OPTION', `--revision must be same or latest (got ${options.revision})`, { hint: 'omit it to run the revision the run ran' });
  }
  const revision = options.revision;
  const runs = await ctx.runs(options.taskQueue);
  const arguments_ = { runId, ...(options.from ? { fromTask: options.from } : {}), revision, ...(options.input.length ? { inputs: options.input } : {}) };
  const restarted = await auditedCommand(
    () => ctx.audit(),
    { tool: 'restart_run', arguments: arguments_, runId },
    () =>
      runs.restartRun({
        runId,
        revision,
        ...(options.from ? { fromTask: options.from } : {}),
        ...(options.input.length ? { inputs: (flow) => parseInputPairs(flow, options.input) } : {}),
      }),
    (r) => ({ runId: r.runId, summary: `restarted ${runId} as ${r.runId} (${taskRuns(r.reusable.length)} reusable)` }),
  );
  const from = restarted.from ? `${restarted.from.taskId}${restarted.from.iteration ? `[${restarted.from.iteration}]` : ''}` : 'after the last task';
  if (!options.wait && !options.watch) {
    printResult(options, restarted, () => `restarted ${runId} from ${from} as ${restarted.runId} (${taskRuns(restarted.reusable.length)} reusable)`);
    return 0;
  }
  if (!options.json) progress(`run ${restarted.runId} restarts ${runId} from ${from}`);
  const view = await show.watch(runs, restarted.runId, options.watch === true && !options.json);
  const reused = view.tasks.filter((t) => t.reusedFrom).map((t) => (t.iteration?.length ? `${t.id}[${t.iteration.join(',')}]` : t.id));
  printResult(
    options,
    { ...view, reused },
    () =>
      `${show.describeRun(view)}\n  reused ${taskRuns(reused.length)} from ${runId}${reused.length ? `: ${reused.slice(0, 10).join(', ')}${reused.length > 10 ? ', ...' : ''}` : ''}`,
  );
  return view.state === 'COMPLETED' ? 0 : 1;
}

function taskRuns(n: number): string {
  return `${n} task run${n === 1 ? '' : 's'}`;
}
