// `weft worker`: a worker process for an existing Temporal server (scale out by running more).

import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a Weft worker against TEMPORAL_ADDRESS (task queue WEFT_TASK_QUEUE, default weft)')
    .action(async () => {
      await import('../../worker/main.js');
    });
}
