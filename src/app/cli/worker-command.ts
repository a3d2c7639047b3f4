// `weft worker`: a worker process for an existing Temporal server (scale out by running more).

import type { Command } from 'commander';
import { runCommand } from '../../adapters/cli/output.js';
import { TEMPORAL_WAIT_HELP } from '../../adapters/cli/with-services.js';
import { weftLogger } from '../../services/logging/logger.js';
import { runWorker } from '../worker/main.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a Weft worker against TEMPORAL_ADDRESS (task queue WEFT_TASK_QUEUE, default weft)')
    .option('--temporal-wait <seconds>', TEMPORAL_WAIT_HELP)
    .option(
      '--queue <name>',
      'serve only this worker group: tasks with this queue (task queue WEFT_TASK_QUEUE/NAME); repeat for more, "default" adds Weft\'s own',
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .action((options: { temporalWait?: string; queue: string[] }) =>
      runCommand({}, () => runWorker(weftLogger(), { temporalWait: options.temporalWait }, options.queue)),
    );
}
