// A standalone Weft worker process: reads Temporal's connection settings and Weft's
// (WEFT_TASK_QUEUE, WEFT_DATA_DIR, WEFT_DATABASE_URL), waits for Temporal within a bound, prunes
// old run logs, runs until SIGINT/SIGTERM, then shuts down gracefully. `weft worker` runs
// `runWorker`; running this file directly (node --import tsx src/worker/main.ts) does too.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, WeftError } from '../../core/errors.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { dataDir } from '../../services/config/paths.js';
import { DEFAULT_TASK_QUEUE } from '../../services/config/task-queue.js';
import { FlowService } from '../../services/flow-service.js';
import { LogService, logRetentionDays } from '../../services/log-service.js';
import { type LogRetentionJob, startLogRetention } from '../../services/logging/log-retention.js';
import { type Logger, logFailure, weftLogger } from '../../services/logging/logger.js';
import { installTemporalLogging } from '../../services/logging/temporal-logging.js';
import { loadSecretKey } from '../../services/secrets/secret-key.js';
import { secretsFromEnv } from '../../services/secrets/secret-source.js';
import { layeredSecrets, SecretStore } from '../../services/secrets/secret-store.js';
import { egressPolicyFromEnv, temporalEndpoints } from '../../services/security/egress-policy.js';
import { openStore } from '../../services/store/database.js';
import { connectWorkerConnection, loadConnectionSettings, temporalWaitSeconds } from '../../services/temporal/connection-settings.js';
import { assertQueueFree, storeIdentity, workerIdentity } from '../../services/temporal/store-identity.js';
import { createWeftWorker } from './weft-worker.js';

/** Runs a worker until it is stopped by a signal; resolves with the exit code. Failures are logged, then thrown. */
export async function runWorker(logger: Logger = weftLogger()): Promise<number> {
  try {
    return await serve(logger);
  } catch (error) {
    logFailure(logger, 'worker failed', error);
    throw error;
  }
}

async function serve(logger: Logger): Promise<number> {
  installTemporalLogging(logger);
  const settings = loadConnectionSettings();
  const waitSeconds = temporalWaitSeconds();
  const retentionDays = logRetentionDays();
  const concurrency = {
    maxConcurrentActivities: positiveInt('WEFT_MAX_CONCURRENT_ACTIVITIES', 100),
    maxConcurrentWorkflowTasks: positiveInt('WEFT_MAX_CONCURRENT_WORKFLOW_TASKS', 100),
  };
  // Read before anything starts: a malformed WEFT_HTTP_ALLOWED_HOSTS stops the worker at once.
  const egress = egressPolicyFromEnv(temporalEndpoints(settings.address));
  const store = await openStore({ dataDir: dataDir() });
  let connection: NativeConnection | undefined;
  let retention: LogRetentionJob | undefined;
  let stop: ((signal: NodeJS.Signals) => void) | undefined;
  try {
    connection = await connectWorkerConnection(settings, { seconds: waitSeconds, onWaiting: (line) => process.stderr.write(`${line}\n`) });
    const storeId = await storeIdentity(store);
    // Workers of another store on this queue would trade runs with this one: refuse, say what to do.
    await assertQueueFree(connection.workflowService, settings.namespace, process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE, storeId);
    const worker = await createWeftWorker({
      connection,
      store,
      identity: workerIdentity(storeId, dataDir()),
      namespace: settings.namespace,
      flows: new FlowService(store),
      secrets: layeredSecrets(new SecretStore(store, await loadSecretKey(dataDir())), secretsFromEnv()),
      modules: await loadWeftModules(),
      egress,
      ...concurrency,
    });
    // Stays subscribed while stopping: a repeated signal must not kill the process halfway.
    stop = (signal: NodeJS.Signals) => {
      if (worker.getState() !== 'RUNNING') return;
      logger.info({ signal }, 'worker stopping: running tasks may finish first');
      worker.shutdown();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    retention = startLogRetention({ logs: new LogService(store), retentionDays, logger });
    const { taskQueue } = worker.options;
    logger.info({ taskQueue, address: settings.address, namespace: settings.namespace, ...concurrency }, `worker polling task queue ${taskQueue}`);
    await worker.run();
    logger.info({ taskQueue }, 'worker stopped');
    return 0;
  } finally {
    await retention?.stop();
    await connection?.close();
    await store.close();
    if (stop) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
}

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number >= 1 (got "${text}")`);
  return value;
}

// Run as a script: the same one-line error (with its hint) as the CLI, and a log record.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runWorker().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const weft = error instanceof WeftError ? error : undefined;
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`weft worker: error: ${message}${weft?.hint ? ` (hint: ${weft.hint})` : ''}\n`);
      process.exit(1);
    },
  );
}
