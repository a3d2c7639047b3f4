// `weft cache clear`: deletes cached task outputs per flow, per task or all (expired ones go too),
// so the next run of those tasks does its I/O again.

import type { Command } from 'commander';
import { printResult, runCommand } from './output.js';
import { withServices } from './with-services.js';

interface ClearOptions {
  flow?: string;
  task?: string;
  all?: boolean;
  json?: boolean;
}

export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('manage cached task outputs (tasks with cache: { ttl, key? })');
  cache
    .command('clear')
    .description('delete cached task outputs: those a flow stored, those of a task id (in every flow, or with --flow in one), or all')
    .option('--flow <flow>', 'entries stored by this flow (namespace/id)')
    .option('--task <id>', 'entries stored by tasks with this id')
    .option('--all', 'every entry')
    .option('--json', 'print { removed, expired }')
    .action((options: ClearOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const result = await (await ctx.cache()).clearCache({
            ...(options.flow !== undefined ? { flow: options.flow } : {}),
            ...(options.task !== undefined ? { taskId: options.task } : {}),
            ...(options.all ? { all: true } : {}),
          });
          printResult(options, result, () => `removed ${result.removed} cache ${result.removed === 1 ? 'entry' : 'entries'} (and ${result.expired} expired)`);
          return 0;
        }),
      ),
    );
}
