// `weft limit set|list|remove`: named limits shared by every run of every flow (`limits: [name]`
// on a task). Admin work: a limit is shared by every namespace; the local user is admin.

import type { Command } from 'commander';
import { InvalidLimitError, type LimitView } from '../../services/limits/limit-service.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import { printResult, runCommand } from './output.js';
import { withServices } from './with-services.js';

export function registerLimitCommand(program: Command): void {
  const limit = program.command('limit').description('manage named limits: how many tasks that list a name (limits: [name]) run at once, over all runs');
  limit
    .command('set <name> <limit>')
    .description('set a named limit (an integer from 1 to 10000); tasks waiting for it go on as slots free up')
    .option('--json', 'print { limit: { name, limit, inUse, waiting, holders, waiters } }')
    .action((name: string, size: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const value = Number(size);
          if (!/^\d+$/.test(size)) throw new InvalidLimitError(`limit of ${name} must be an integer from 1 to 10000 (got ${JSON.stringify(size)})`);
          const view = await auditedCommand(
            () => ctx.audit(),
            { tool: 'set_limit', arguments: { name, limit: value } },
            async () => (await ctx.limits()).set(name, value),
            () => ({ summary: `limit ${name} is ${value}` }),
          );
          printResult(options, { limit: view }, () => `limit ${name} is ${value} (${view.inUse} in use, ${view.waiting} waiting)`);
          return 0;
        }),
      ),
    );
  limit
    .command('list')
    .description('list named limits with the runs holding and waiting for them')
    .option('--json', 'print { limits: [{ name, limit, inUse, waiting, holders, waiters }] }')
    .action((options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const limits = await (await ctx.limits()).list();
          printResult(options, { limits }, () => limits.map(limitLine).join('\n') || 'no limits set');
          return 0;
        }),
      ),
    );
  limit
    .command('remove <name>')
    .description('remove a named limit: tasks that list it run without waiting from now on')
    .option('--json', 'print { removed }')
    .action((name: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          await auditedCommand(
            () => ctx.audit(),
            { tool: 'set_limit', arguments: { name, remove: true } },
            async () => (await ctx.limits()).remove(name),
            () => ({ summary: `removed limit ${name}` }),
          );
          printResult(options, { removed: name }, () => `removed limit ${name}: it is unlimited now`);
          return 0;
        }),
      ),
    );
}

function limitLine(view: LimitView): string {
  const holders = view.holders.length ? `; holding: ${view.holders.join(', ')}` : '';
  const waiters = view.waiters.length ? `; waiting: ${view.waiters.join(', ')}` : '';
  return `${view.name}  ${view.inUse}/${view.limit ?? '∞'} in use, ${view.waiting} waiting${holders}${waiters}`;
}
