// `weft trigger list|pause|resume|preview|backfill`: operates a flow's schedule triggers
// through the trigger service. Backfill shows the count of fire times first and starts runs
// only with --yes (or only counts with --dry-run).

import type { Command } from 'commander';
import { WeftError } from '../../core/errors.js';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../../core/spec/triggers.js';
import { DEFAULT_TRIGGER_PAGE, MAX_TRIGGER_PAGE } from '../../services/triggers/trigger-pages.js';
import type { TriggerService, TriggerView } from '../../services/triggers/trigger-service.js';
import { printResult, runCommand } from './output.js';
import { TEMPORAL_WAIT_HELP, useTemporalWaitOption, withServices } from './with-services.js';

interface JsonOption {
  json?: boolean;
  temporalWait?: string;
}

export function registerTriggerCommand(program: Command): void {
  const trigger = program.command('trigger').description("list and operate flows' triggers (pause, resume, preview, backfill)");
  const withWait = (command: Command) => command.option('--temporal-wait <seconds>', TEMPORAL_WAIT_HELP).option('--json', 'print the result as JSON');
  withWait(trigger.command('list [flow]').description("a flow's triggers (without a flow: every flow's, paged): paused, next fire times, last fire, warnings"))
    .option('--cursor <cursor>', 'without a flow: the nextCursor of the previous page')
    .option('--limit <n>', `without a flow: triggers per page (1-${MAX_TRIGGER_PAGE}, default ${DEFAULT_TRIGGER_PAGE})`)
    .action((flow: string | undefined, options: JsonOption & { cursor?: string; limit?: string }) =>
      runTriggers(options, async (triggers) => {
        const page: { triggers: Array<TriggerView & { flow?: string }>; nextCursor?: string } = flow
          ? { triggers: await triggers.list(flow) }
          : await triggers.listAll({
              ...(options.cursor ? { cursor: options.cursor } : {}),
              ...(options.limit ? { limit: positive(options.limit, '--limit', MAX_TRIGGER_PAGE) } : {}),
            });
        printResult(options, page, () => triggerLines(page.triggers, flow, page.nextCursor));
      }),
    );
  for (const action of ['pause', 'resume'] as const) {
    withWait(trigger.command(`${action} <flow> <triggerId>`).description(`${action} a schedule trigger (the state survives saves)`)).action(
      (flow: string, triggerId: string, options: JsonOption) =>
        runTriggers(options, async (triggers) => {
          await (action === 'pause' ? triggers.pause(flow, triggerId) : triggers.resume(flow, triggerId));
          printResult(
            options,
            { trigger: triggerId, paused: action === 'pause' },
            () => `${flow} trigger ${triggerId} ${action === 'pause' ? 'paused' : 'resumed'}`,
          );
        }),
    );
  }
  withWait(trigger.command('preview <flow> <triggerId>').description('the next fire times in the trigger’s time zone, with daylight-saving warnings'))
    .option('--count <n>', 'how many fire times (1-100)', '10')
    .action((flow: string, triggerId: string, options: JsonOption & { count: string }) =>
      runTriggers(options, async (triggers) => {
        const preview = await triggers.preview(flow, triggerId, positive(options.count, '--count'));
        printResult(options, preview, () =>
          [...preview.fires.map((f) => `${f.local} ${preview.timezone}  (${f.at})`), ...preview.warnings.map((w) => `warning: ${w.message}`)].join('\n'),
        );
      }),
    );
  withWait(trigger.command('backfill <flow> <triggerId>').description('start one run per past fire time in [from, to]; shows the count first'))
    .requiredOption('--from <time>', 'ISO 8601 start (included)')
    .requiredOption('--to <time>', 'ISO 8601 end (included)')
    .option('--overlap <policy>', `${OVERLAP_POLICIES.join(', ')} (default bufferAll)`)
    .option('--dry-run', 'only count the fire times')
    .option('--yes', 'start the runs')
    .action((flow: string, triggerId: string, options: JsonOption & { from: string; to: string; overlap?: string; dryRun?: boolean; yes?: boolean }) =>
      runTriggers(options, async (triggers) => {
        const overlap = options.overlap === undefined ? undefined : overlapOf(options.overlap);
        const request = { from: timeOf(options.from, '--from'), to: timeOf(options.to, '--to'), ...(overlap ? { overlap } : {}) };
        const counted = await triggers.backfill(flow, triggerId, { ...request, dryRun: true });
        if (options.dryRun || !options.yes) {
          printResult(
            options,
            counted,
            () => `${counted.runs} fire time(s) in [${counted.from}, ${counted.to}]${options.dryRun ? '' : '; run again with --yes to start them'}`,
          );
          return options.dryRun || counted.runs === 0 ? 0 : 2;
        }
        const result = await triggers.backfill(flow, triggerId, request);
        printResult(options, result, () => `backfill started ${result.runs} run(s) of ${flow} (run.trigger = backfill)`);
        return 0;
      }),
    );
}

/** Runs a trigger command; a body that returns no exit code succeeded. */
function runTriggers(options: JsonOption, body: (triggers: TriggerService) => Promise<unknown>) {
  useTemporalWaitOption(options.temporalWait);
  return runCommand(options, () =>
    withServices(async (ctx) => {
      const code = await body(await ctx.triggers());
      return typeof code === 'number' ? code : 0;
    }),
  );
}

function timeOf(text: string, flag: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new WeftError('TRIGGER_ACTION_INVALID', `${flag} is not an ISO 8601 time (got ${JSON.stringify(text)})`, { hint: 'e.g. 2026-12-01T06:00:00Z' });
  return at;
}

function overlapOf(text: string): OverlapPolicy {
  if ((OVERLAP_POLICIES as readonly string[]).includes(text)) return text as OverlapPolicy;
  throw new WeftError('TRIGGER_ACTION_INVALID', `--overlap must be one of ${OVERLAP_POLICIES.join(', ')} (got ${JSON.stringify(text)})`);
}

function positive(text: string, flag: string, max = 100): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new WeftError('TRIGGER_ACTION_INVALID', `${flag} must be an integer 1-${max} (got ${JSON.stringify(text)})`);
  return n;
}

/** Triggers as text, one block each; a listing of every flow names each trigger's flow. */
function triggerLines(views: ReadonlyArray<TriggerView & { flow?: string }>, flow: string | undefined, nextCursor: string | undefined): string {
  if (!views.length) return flow ? `${flow} has no triggers` : 'no flow has triggers';
  const blocks = views.map((v) =>
    [
      `${v.flow ? `${v.flow}  ` : ''}${v.id}  ${v.type}  ${!v.enabled ? 'disabled' : v.paused ? 'paused' : 'active'}`,
      ...(v.nextFires?.length ? [`  next: ${v.nextFires.join(', ')}`] : []),
      ...(v.lastFire ? [`  last: ${v.lastFire.scheduledAt} (${v.lastFire.runId})`] : []),
      ...(v.warnings ?? []).map((w) => `  warning: ${w}`),
    ].join('\n'),
  );
  return [...blocks, ...(nextCursor ? [`more: --cursor ${nextCursor}`] : [])].join('\n');
}
