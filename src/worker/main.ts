// Entry point of a standalone Weft worker process: reads Temporal's connection settings and
// Weft's (WEFT_TASK_QUEUE, WEFT_DATA_DIR, WEFT_DATABASE_URL), runs until SIGINT/SIGTERM, then
// shuts down gracefully. `weft worker` runs this.

import { dataDir } from '../config/paths.js';
import { ConfigError } from '../errors.js';
import { loadSecretKey } from '../secrets/secret-key.js';
import { secretsFromEnv } from '../secrets/secret-source.js';
import { layeredSecrets, SecretStore } from '../secrets/secret-store.js';
import { FlowService } from '../services/flow-service.js';
import { openStore } from '../store/database.js';
import { connectWorkerConnection, loadConnectionSettings } from '../temporal/connection-settings.js';
import { createWeftWorker } from './weft-worker.js';

async function main(): Promise<void> {
  const settings = loadConnectionSettings();
  const store = await openStore({ dataDir: dataDir() });
  const flows = new FlowService(store);
  const connection = await connectWorkerConnection(settings);
  try {
    const worker = await createWeftWorker({
      connection,
      store,
      namespace: settings.namespace,
      flows,
      secrets: layeredSecrets(new SecretStore(store, await loadSecretKey(dataDir())), secretsFromEnv()),
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
    await store.close();
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
