// `weft run start|get|list|cancel|approve|logs|restart`: runs through the service layer. `start`
// takes a saved flow (namespace/id) or a flow file, which runs without being saved.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ApprovalOutput, RunState } from '../../core/runs/run-types.js';
import { RUN_TRIGGERS } from '../../core/runs/search-attributes.js';
import { DEFAULT_TASK_QUEUE } from '../../services/config/task-queue.js';
import { validFlow } from '../../services/flow-service.js';
import { ApprovalAlreadyDecidedError, type RunDetail, type RunService } from '../../services/run-service.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import type { ServicesContext } from '../../services/services-context.js';
import { readFlowFile } from './flow-commands.js';
import { printResult, progress, runCommand } from './output.js';
import { parseInputPairs } from './parse-inputs.js';
import { registerRunRestart } from './run-restart-command.js';
import { terminalText } from './terminal-text.js';
import { TEMPORAL_WAIT_HELP, useTemporalWaitOption, withServices } from './with-services.js';

const collect = (value: string, all: string[]) => [...all, value];
/** A completed task's output is shown on one line up to this length; `--task` shows all of it. */
const TASK_OUTPUT_LINE_CHARS = 500;
const FINAL_STATES = new Set<RunState>(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

interface StartOptions {
  input: string[];
  inputsFile?: string;
  idempotencyKey?: string;
  wait?: boolean;
  watch?: boolean;
  taskQueue: string;
  json?: boolean;
}

export function registerRunCommand(program: Command): void {
  const run = program.command('run').description('start, inspect, list, cancel and answer runs');
  run
    .command('start <flow>')
    .description('start a run of a saved flow (namespace/id) or of a flow file')
    .option('-i, --input <key=value>', 'an input, parsed by its declared type (repeatable)', collect, [])
    .option('--inputs-file <file>', 'inputs as a JSON object')
    .option('--idempotency-key <key>', 'the same key attaches to the same run instead of starting another')
    .option('--wait', 'wait for the run to finish and print it')
    .option('--watch', 'show task progress while waiting (implies --wait)')
    .option('--task-queue <name>', 'task queue of the worker', process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE)
    .option('--json', 'print the run as JSON')
    .action((flow: string, options: StartOptions) => runCommand(options, () => withServices((ctx) => start(ctx, flow, options))));
  run
    .command('get <runId>')
    .description("a run's state, task timeline, outputs and pending approvals")
    .option('--watch', 'follow the run until it finishes')
    .option('--task <taskId>', "print this task's output instead, a page at a time")
    .option('--iteration <path>', 'with --task: the foreach iteration, e.g. 3 or 3,1')
    .option('--cursor <cursor>', 'with --task: the nextCursor of the previous page')
    .option('--json', 'print the run as JSON (with --task: the output page)')
    .action((runId: string, options: GetOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const runs = await ctx.runs();
          if (options.task) return taskOutput(runs, runId, options.task, options);
          const view = options.watch ? await watch(runs, runId, !options.json) : await runs.get(runId);
          printResult(options, view, () => describeRun(view));
          return 0;
        }),
      ),
    );
  run
    .command('list')
    .description('list runs, newest first')
    .option('--flow <flow>', 'only runs of this flow (namespace/id)')
    .option('--namespace <ns>', 'only runs of flows in this namespace')
    .option('--state <state>', 'RUNNING, WAITING, COMPLETED, FAILED, CANCELLED, TERMINATED or TIMED_OUT')
    .option('--trigger <trigger>', `only runs started by this trigger: ${RUN_TRIGGERS.join(', ')}`)
    .option('--limit <n>', 'page size', '20')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .option('--json', 'print { runs, nextCursor }')
    .action((options: { flow?: string; namespace?: string; state?: string; trigger?: string; limit: string; cursor?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const page = await (await ctx.runs()).list({
            ...(options.flow ? { flow: options.flow } : {}),
            ...(options.namespace ? { namespace: options.namespace } : {}),
            ...(options.state ? { state: options.state.toUpperCase() as RunState } : {}),
            ...(options.trigger ? { trigger: options.trigger } : {}),
            ...(options.cursor ? { cursor: options.cursor } : {}),
            limit: Number(options.limit),
          });
          printResult(options, page, () => {
            const lines = page.runs.map((r) => terminalText(`${r.state.padEnd(10)} ${r.runId}  ${r.startedAt}`)).join('\n') || 'no runs';
            // A full page says so, or the reader takes the first page for all runs.
            return page.nextCursor ? `${lines}\n(more runs: add --cursor ${page.nextCursor}, or a larger --limit)` : lines;
          });
          return 0;
        }),
      ),
    );
  run
    .command('cancel <runId>')
    .description('cancel a run (its finally tasks run); --force terminates at once')
    .option('--force', 'terminate without running finally')
    .option('--reason <text>', 'why, recorded in Temporal')
    .option('--json', 'print { runId, state, cancelRequested? }')
    .action((runId: string, options: { force?: boolean; reason?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const request = { ...(options.force ? { force: true } : {}), ...(options.reason ? { reason: options.reason } : {}) };
          const result = await auditedCommand(
            () => ctx.audit(),
            { tool: 'cancel_run', arguments: { runId, ...request }, runId },
            async () => (await ctx.runs()).cancel(runId, request),
            (r) => ({ summary: `run ${runId}: ${r.cancelRequested ? 'cancellation requested' : r.state} (state ${r.state})` }),
          );
          // The service waited briefly for the end; a run still stopping (finally tasks) says so,
          // since a bare RUNNING would read as if nothing happened.
          printResult(options, result, () =>
            result.cancelRequested
              ? `${result.runId}: cancellation requested (still ${result.state} while it stops; follow it with weft run get ${result.runId} --watch)`
              : `${result.runId}: ${result.state}`,
          );
          return 0;
        }),
      ),
    );
  run
    .command('approve <runId> <taskId>')
    .description('answer a waiting approval as a person (approves unless --reject)')
    .option('--iteration <path>', 'foreach iteration, e.g. 3 or 3,1')
    .option('--step <n>', "an agent tool call's step, as get_run lists it")
    .option('--reject', 'reject instead of approve')
    .option('--comment <text>', 'a comment kept with the answer')
    .option('--data <json>', 'values for the approval fields, as a JSON object')
    .option('--by <name>', 'who answers', process.env.USER ?? 'cli')
    .option('--json', 'print the recorded answer')
    .action(
      (
        runId: string,
        taskId: string,
        options: { iteration?: string; step?: string; reject?: boolean; comment?: string; data?: string; by: string; json?: boolean },
      ) =>
        runCommand(options, () =>
          withServices(async (ctx) => {
            const response = {
              taskId,
              approved: !options.reject,
              by: options.by,
              approver: 'human' as const,
              ...(options.iteration ? { iteration: options.iteration.split(',').map(Number) } : {}),
              ...(options.step ? { step: Number(options.step) } : {}),
              ...(options.comment ? { comment: options.comment } : {}),
              ...(options.data ? { data: JSON.parse(options.data) as Record<string, unknown> } : {}),
            };
            let answer: ApprovalOutput;
            try {
              answer = await auditedCommand(
                () => ctx.audit(),
                { tool: 'respond_to_approval', arguments: { runId, ...response }, runId },
                async () => (await ctx.runs()).respondToApproval(runId, response),
                () => ({ summary: `${response.approved ? 'approved' : 'rejected'} ${taskId} of run ${runId}` }),
              );
            } catch (error) {
              // With --json the refusal carries the decision, as respond_to_approval gives it.
              if (!(error instanceof ApprovalAlreadyDecidedError) || !options.json) throw error;
              const refusal = { code: error.code, message: error.message, hint: error.hint };
              printResult(options, { runId, taskId, accepted: false, code: error.code, decision: error.decision, error: refusal }, () => error.message);
              return 1;
            }
            printResult(options, answer, () => `${answer.approved ? 'approved' : 'rejected'} ${taskId} of ${runId}`);
            return 0;
          }),
        ),
    );
  run
    .command('logs <runId>')
    .description("a run's logs; --follow streams new lines until the run ends")
    .option('--task <taskId>', 'only this task')
    .option('--level <level>', 'minimum level: debug, info, warn, error')
    .option('--contains <words>', 'full-text search')
    .option('--tail <n>', 'the last n lines')
    .option('--follow', 'keep printing new lines until the run has ended')
    .option('--json', 'print { entries, nextCursor, truncated } (with --follow: one JSON entry per line)')
    .action((runId: string, options: { task?: string; level?: string; contains?: string; tail?: string; follow?: boolean; json?: boolean }) =>
      runCommand(options, () => withServices((ctx) => logs(ctx, runId, options))),
    );
  registerRunRestart(run, { watch, describeRun });
  for (const command of run.commands) command.option('--temporal-wait <seconds>', TEMPORAL_WAIT_HELP);
  run.hook('preAction', (_run, action) => useTemporalWaitOption(action.opts().temporalWait));
}

async function start(ctx: ServicesContext, flow: string, options: StartOptions): Promise<number> {
  const runs = await ctx.runs(options.taskQueue);
  // Recorded once the run has started (or failed to), not when it finishes.
  const { runId, started, warnings } = await auditedCommand(
    () => ctx.audit(),
    {
      tool: 'run_flow',
      arguments: { flow, inputs: inputPairs(options.input), ...(options.inputsFile ? { inputsFile: options.inputsFile } : {}), ...pickKey(options) },
      ...(existsSync(flow) ? {} : { flow }),
    },
    () => startFlow(ctx, runs, flow, options),
    (r) => ({ runId: r.runId, ...(r.flow ? { flow: r.flow } : {}), summary: `${r.started ? 'started' : 'already started'} run ${r.runId}` }),
  );
  // On stderr, with --json too (stdout holds only the result): what would keep the run waiting without a word.
  for (const warning of warnings ?? []) progress(terminalText(`warning: ${warning}`));
  if (!options.wait && !options.watch) {
    printResult(options, { runId, started, ...(warnings ? { warnings } : {}) }, () => `${started ? 'started' : 'already started'} ${runId}`);
    return 0;
  }
  if (!options.json) progress(`run ${runId} ${started ? 'started' : 'already started'}`);
  const view = await watch(runs, runId, options.watch === true && !options.json);
  printResult(options, view, () => describeRun(view));
  return view.state === 'COMPLETED' ? 0 : 1;
}

/** `--input k=v` pairs as an object, so the audit log redacts values by their names (`token=…`). */
function inputPairs(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => (pair.includes('=') ? [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] : [pair, ''])));
}

function pickKey(options: StartOptions): { idempotencyKey?: string } {
  return options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {};
}

async function startFlow(
  ctx: ServicesContext,
  runs: RunService,
  flow: string,
  options: StartOptions,
): Promise<{ runId: string; started: boolean; flow?: string; warnings?: string[] }> {
  const fromFile = options.inputsFile ? (JSON.parse(await readFile(options.inputsFile, 'utf8')) as Record<string, unknown>) : {};
  let runId: string;
  let started: boolean;
  let warnings: string[] | undefined;
  if (existsSync(flow)) {
    // Through the service like a saved flow, so that keys, memo and checks are the same.
    const yaml = await readFlowFile(flow);
    const spec = validFlow(yaml, flow);
    ({ runId, started, warnings } = await runs.startUnsaved(spec, yaml, {
      inputs: { ...fromFile, ...parseInputPairs(spec, options.input) },
      trigger: 'cli',
      ...pickKey(options),
    }));
    return { runId, started, flow: `${spec.namespace}/${spec.id}`, ...(warnings ? { warnings } : {}) };
  } else {
    const spec = (await (await ctx.flows()).get(flow)).spec;
    const result = await runs.start({
      flow,
      inputs: { ...fromFile, ...parseInputPairs(spec, options.input) },
      trigger: 'cli',
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    });
    ({ runId, started, warnings } = result);
    return { runId, started, flow, ...(warnings ? { warnings } : {}) };
  }
}

interface GetOptions {
  watch?: boolean;
  task?: string;
  iteration?: string;
  cursor?: string;
  json?: boolean;
}

/**
 * `run get --task`: one page of a task's output, the page MCP `get_run` gives with `taskId`.
 * Whole when it fits one page (as JSON); else the page's text and the command for the next.
 */
async function taskOutput(runs: RunService, runId: string, taskId: string, options: GetOptions): Promise<number> {
  const iteration = options.iteration ? options.iteration.split(',').map(Number) : undefined;
  const page = await runs.taskOutputPage(runId, taskId, iteration, options.cursor);
  const key = `${taskId}${iteration ? `[${iteration}]` : ''}`;
  printResult(options, page, () => {
    if (!page.found) return terminalText(`${key} of ${runId}: ${page.note ?? 'no output'}`);
    if (page.text === undefined) return terminalText(JSON.stringify(page.value, null, 2) ?? 'null');
    const end = (page.offset ?? 0) + Buffer.byteLength(page.text, 'utf8');
    const next = page.nextCursor
      ? `; next page: weft run get ${runId} --task ${taskId}${options.iteration ? ` --iteration ${options.iteration}` : ''} --cursor ${page.nextCursor}`
      : '';
    // The page is cut at a byte offset of the JSON text, so it is printed as text, not parsed.
    return `${terminalText(page.text)}\n${terminalText(`(bytes ${page.offset ?? 0}-${end} of ${page.totalBytes}${next})`)}`;
  });
  return page.found ? 0 : 1;
}

/** Polls the run until it reaches a final state, printing task state changes when asked. */
async function watch(runs: RunService, runId: string, show: boolean): Promise<RunDetail> {
  const seen = new Map<string, string>();
  for (;;) {
    const view = await runs.get(runId);
    if (show) {
      for (const task of view.tasks) {
        const key = `${task.id}${task.iteration ? `[${task.iteration}]` : ''}`;
        if (seen.get(key) !== task.state) {
          seen.set(key, task.state);
          progress(
            terminalText(
              `  ${task.state.padEnd(9)} ${key}${task.attempts > 1 ? ` (attempt ${task.attempts})` : ''}${task.waitingFor ? ` (waiting for ${task.waitingFor})` : ''}`,
            ),
          );
        }
      }
    }
    if (FINAL_STATES.has(view.state)) return view;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function logs(
  ctx: ServicesContext,
  runId: string,
  options: { task?: string; level?: string; contains?: string; tail?: string; follow?: boolean; json?: boolean },
): Promise<number> {
  const service = await ctx.logs();
  const filter = {
    runId,
    ...(options.task ? { taskId: options.task } : {}),
    ...(options.level ? { level: options.level as 'debug' | 'info' | 'warn' | 'error' } : {}),
    ...(options.contains ? { contains: options.contains } : {}),
  };
  let page = await service.query({ ...filter, ...(options.tail ? { tail: Number(options.tail) } : { limit: 1000 }) });
  if (!options.follow) {
    printResult(options, page, () => page.entries.map(formatEntry).join('\n'));
    return 0;
  }
  const runs = await ctx.runs();
  for (;;) {
    for (const entry of page.entries) process.stdout.write(`${options.json ? JSON.stringify(entry) : formatEntry(entry)}\n`);
    const ended = FINAL_STATES.has((await runs.get(runId)).state);
    const next = await service.query({ ...filter, limit: 1000, ...(page.nextCursor ? { cursor: page.nextCursor } : {}) });
    if (ended && next.entries.length === 0) return 0;
    if (next.entries.length === 0) await new Promise((r) => setTimeout(r, 300));
    page = next.nextCursor ? next : { ...next, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }
}

/** One log line for a terminal: the message is the flow's text, so its control characters are escaped. */
function formatEntry(e: { ts: string; taskId: string; iteration?: number[]; level: string; message: string }): string {
  return terminalText(`${e.ts} ${e.level.toUpperCase().padEnd(5)} ${e.taskId}${e.iteration ? `[${e.iteration}]` : ''}: ${e.message}`);
}

/** Where a CACHED task run's entry came from, for the run view. */
function cachedFromText(task: RunDetail['tasks'][number]): string {
  const from = task.cachedFrom;
  if (!from) return '';
  return ` (cached from run ${from.runId}, task ${from.taskId}${from.iteration ? `[${from.iteration}]` : ''}, ${from.at})`;
}

function describeRun(view: RunDetail): string {
  const lines = [`${view.state} ${view.runId}${view.flow ? ` (${view.flow}${view.revision ? ` rev ${view.revision}` : ''})` : ''}`];
  for (const task of view.tasks.filter((t) => !t.iteration)) {
    lines.push(
      `  ${task.state.padEnd(9)} ${task.id}${task.attempts > 1 ? ` (${task.attempts} attempts)` : ''}${cachedFromText(task)}${task.reusedFrom ? ` (reused from ${task.reusedFrom})` : ''}${task.waitingFor ? ` (waiting for ${task.waitingFor})` : ''}${task.worker ? ` (on ${task.worker})` : ''}`,
    );
    // An agent's tool calls, nested under it.
    for (const step of task.steps ?? []) lines.push(`    ${step.state.padEnd(9)} step ${step.step}: ${step.tool}`);
  }
  if (view.waitingFor) lines.push(`  waiting for ${view.waitingFor}`);
  if (view.restartOf) lines.push(`  restart of ${view.restartOf}`);
  if (view.restarts?.length) lines.push(`  restarted as ${view.restarts.join(', ')}`);
  for (const approval of view.approvals)
    lines.push(`  waiting for approval: ${approval.taskId}${approval.iteration ? `[${approval.iteration}]` : ''}: ${approval.message}`);
  if (view.error) lines.push(`  failed at ${view.error.taskId ?? 'run'}: ${view.error.type}: ${view.error.message}`);
  if (view.outputs && Object.keys(view.outputs).length) lines.push(`  outputs: ${JSON.stringify(view.outputs)}`);
  for (const [taskId, output] of Object.entries(view.taskOutputs ?? {})) {
    const text = JSON.stringify(output) ?? 'null';
    const shown =
      text.length > TASK_OUTPUT_LINE_CHARS ? `${text.slice(0, TASK_OUTPUT_LINE_CHARS)}… (in full: weft run get ${view.runId} --task ${taskId})` : text;
    lines.push(`  output of ${taskId}: ${shown}`);
  }
  if (view.usage) {
    const cost = view.usage.costUsd !== undefined ? `, about $${view.usage.costUsd.toFixed(4)}` : '';
    lines.push(`  model tokens: ${view.usage.inputTokens} in, ${view.usage.outputTokens} out${cost}`);
  }
  // Each line is escaped on its own: the flow's messages, errors and outputs cannot add lines.
  return lines.map((line) => terminalText(line)).join('\n');
}
