// A raw baseline worker as a process of its own, for the recovery workload (bench/recovery-workload.ts):
// `node dist/bench/raw/worker-main.js <temporal address> <task queue> <workflow bundle file>`.
// The bundle is built once by the bench, so a restarted worker starts as fast as Weft's, which
// reads its prebuilt bundle from the cache.

import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createRawActivities } from './activities.js';

async function main(): Promise<void> {
  const [address, taskQueue, codePath] = process.argv.slice(2);
  if (!address || !taskQueue || !codePath) throw new Error('usage: worker-main.js <temporal address> <task queue> <workflow bundle file>');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath }, activities: createRawActivities() });
  process.stderr.write(`raw worker polling task queue ${taskQueue}\n`);
  await worker.run();
}

main().catch((error: unknown) => {
  process.stderr.write(`raw worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
