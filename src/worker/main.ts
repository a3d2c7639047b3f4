// Entry point of a standalone Weft worker process: reads Temporal's connection settings and
// Weft's (WEFT_TASK_QUEUE, WEFT_DATA_DIR, WEFT_FLOWS_DIR), runs until SIGINT/SIGTERM, then
// shuts down gracefully. `weft worker` runs this.

import { ConfigError } from '../errors.js';
import { MemoryFlowCatalog } from '../flows/flow-catalog.js';
import { connectWorkerConnection, loadConnectionSettings } from '../temporal/connection-settings.js';
import { createWeftWorker } from './weft-worker.js';

async function main(): Promise<void> {
  const settings = loadConnectionSettings();
  const flows = new MemoryFlowCatalog();
  if (process.env.WEFT_FLOWS_DIR) await flows.loadDirectory(process.env.WEFT_FLOWS_DIR);
  const connection = await connectWorkerConnection(settings);
  try {
    const worker = await createWeftWorker({
      connection,
      namespace: settings.namespace,
      flows,
      maxConcurrentActivities: positiveInt('WEFT_MAX_CONCURRENT_ACTIVITIES', 100),
      maxConcurrentWorkflowTasks: positiveInt('WEFT_MAX_CONCURRENT_WORKFLOW_TASKS', 100),
    });
    const stop = () => worker.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stderr.write(`weft worker polling task queue ${worker.options.taskQueue} on ${settings.address}\n`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number >= 1 (got "${text}")`);
  return value;
}

main().catch((error: Error) => {
  process.stderr.write(`weft worker: ${error.message}\n`);
  process.exit(1);
});
