// A standalone Weft worker process: builds its services from the configuration (Temporal's
// connection settings, WEFT_TASK_QUEUE, WEFT_DATA_DIR, ...), waits for Temporal within a bound, prunes
// old run logs, runs until SIGINT/SIGTERM, then shuts down gracefully. `weft worker` runs
// `runWorker`; running this file directly (node --import tsx src/worker/main.ts) does too.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, WeftError } from '../../core/errors.js';
import { DEFAULT_QUEUE, namedTaskQueue, QUEUE_NAME_PATTERN } from '../../core/spec/task-queues.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { type ConfigFlags, loadConfig, type WeftConfig } from '../../services/config/weft-config.js';
import { type LogRetentionJob, startLogRetention } from '../../services/logging/log-retention.js';
import { type Logger, logFailure, weftLogger } from '../../services/logging/logger.js';
import { installTemporalLogging } from '../../services/logging/temporal-logging.js';
import { temporalEndpoints } from '../../services/security/egress-policy.js';
import { buildServices } from '../../services/services-context.js';
import { startConfiguredTelemetry } from '../../services/telemetry/start-telemetry.js';
import type { Telemetry } from '../../services/telemetry/telemetry-sdk.js';
import { connectWorkerConnection } from '../../services/temporal/connection-settings.js';
import { ensureSearchAttributes } from '../../services/temporal/search-attributes.js';
import { assertQueueFree, storeIdentity, workerIdentity } from '../../services/temporal/store-identity.js';
import { type MetricsPort, serveMetricsPort } from './metrics-port.js';
import { createWeftWorker, type WeftWorker } from './weft-worker.js';
import { egressPolicyOf, workerOptionsOf } from './worker-options.js';

/**
 * Runs a worker until it is stopped by a signal; resolves with the exit code. Failures (a bad
 * setting too) are logged, then thrown. The configuration is this process's environment and `flags`.
 */
export async function runWorker(logger: Logger = weftLogger(), flags: ConfigFlags = {}, queues: readonly string[] = []): Promise<number> {
  try {
    return await serve(logger, loadConfig(process.env, flags), workerQueues(queues));
  } catch (error) {
    logFailure(logger, 'worker failed', error);
    throw error;
  }
}

/**
 * The queues a worker serves, checked: `--queue` names (repeatable), or Weft's own queue when none
 * is given. A worker started for a named queue serves only the queues it names, so a GPU machine
 * runs GPU work alone; `--queue default` adds Weft's own queue to it.
 */
export function workerQueues(names: readonly string[]): string[] {
  for (const name of names) {
    if (!QUEUE_NAME_PATTERN.test(name)) {
      throw new ConfigError(
        `--queue "${name}" is not a queue name`,
        'use letters, digits, "_", "." and "-" (at most 64), as the flows\' queue fields name them; "default" is Weft\'s own queue',
      );
    }
  }
  return names.length ? [...new Set(names)] : [DEFAULT_QUEUE];
}

async function serve(logger: Logger, config: WeftConfig, queues: readonly string[]): Promise<number> {
  installTemporalLogging(logger);
  const settings = config.temporal.connection;
  const concurrency = config.worker;
  const services = buildServices(config);
  let connection: NativeConnection | undefined;
  let retention: LogRetentionJob | undefined;
  let stop: ((signal: NodeJS.Signals) => void) | undefined;
  let telemetry: Telemetry | undefined;
  let metricsPort: MetricsPort | undefined;
  try {
    telemetry = await startConfiguredTelemetry(config.telemetry, 'worker');
    if (telemetry?.prometheus && config.telemetry.workerMetricsPort !== undefined) {
      metricsPort = await serveMetricsPort(telemetry.prometheus, config.telemetry.workerMetricsPort);
      logger.info({ url: metricsPort.url }, `worker metrics at ${metricsPort.url}`);
    }
    const store = await services.database();
    connection = await connectWorkerConnection(settings, {
      seconds: config.temporal.waitSeconds,
      onWaiting: (line) => process.stderr.write(`${line}\n`),
    });
    // Nothing else registers them on a Temporal Weft did not start, and without them no run starts.
    const refused = await ensureSearchAttributes(connection, settings.namespace);
    if (refused) logger.warn(refused);
    const storeId = await storeIdentity(store);
    const modules = await loadWeftModules(config.modules);
    const base = await workerOptionsOf(services);
    const workers: WeftWorker[] = [];
    for (const queue of queues) {
      const taskQueue = namedTaskQueue(config.taskQueue, queue);
      // Workers of another store on this queue would trade runs with this one: refuse, say what to do.
      await assertQueueFree(connection.workflowService, settings.namespace, taskQueue, storeId);
      const named = queue === DEFAULT_QUEUE ? undefined : queue;
      workers.push(
        await createWeftWorker({
          ...base,
          connection,
          identity: workerIdentity(storeId, config.dataDir, named),
          modules,
          egress: egressPolicyOf(config, temporalEndpoints(settings.address)),
          ...(named ? { queue: named } : {}),
          ...(telemetry ? { telemetry } : {}),
        }),
      );
    }
    // Stays subscribed while stopping: a repeated signal must not kill the process halfway.
    stop = (signal: NodeJS.Signals) => {
      if (!workers.some((w) => w.getState() === 'RUNNING')) return;
      logger.info({ signal }, 'worker stopping: running tasks may finish first');
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    retention = startLogRetention({ logs: await services.logs(), retentionDays: config.logRetentionDays, logger });
    const taskQueues = workers.map((w) => w.options.taskQueue);
    logger.info({ taskQueues, address: settings.address, namespace: settings.namespace, ...concurrency }, `worker polling task queue ${taskQueues.join(', ')}`);
    // One worker that fails stops the others, so the process never lives on half serving.
    await Promise.all(
      workers.map((w) =>
        w.run().catch((error: unknown) => {
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          throw error;
        }),
      ),
    );
    logger.info({ taskQueues }, 'worker stopped');
    return 0;
  } finally {
    await retention?.stop();
    await connection?.close();
    await services.close();
    await metricsPort?.close();
    await telemetry?.shutdown();
    if (stop) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
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
