// Builds a Weft worker: the prebundled interpreter workflows plus the activities wired to
// their dependencies. Graceful shutdown is the SDK's: `worker.shutdown()` lets activities finish.

import { join } from 'node:path';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { dataDir as defaultDataDir } from '../config/paths.js';
import type { FlowCatalog } from '../flows/flow-catalog.js';
import type { LogSink } from '../logs/log-sink.js';
import { StoreLogSink } from '../logs/store-log-sink.js';
import { OutputStore } from '../outputs/output-store.js';
import { type SecretSource, secretsFromEnv } from '../secrets/secret-source.js';
import { FlowService } from '../services/flow-service.js';
import type { Store } from '../store/database.js';
import { loadWorkflowBundle } from './workflow-bundle.js';

/** Task queue Weft's worker polls unless told otherwise (WEFT_TASK_QUEUE). */
export const DEFAULT_TASK_QUEUE = 'weft';

export interface WeftWorkerOptions {
  connection: NativeConnection;
  /** The store: run logs go there, and saved flows are the default catalog for subflows. */
  store: Store;
  namespace?: string;
  taskQueue?: string;
  dataDir?: string;
  flows?: FlowCatalog;
  secrets?: SecretSource;
  logs?: LogSink;
  /** Most activities (http, script) at once on this worker (default 100). */
  maxConcurrentActivities?: number;
  /** Most workflow tasks at once (default 100). */
  maxConcurrentWorkflowTasks?: number;
  /** Seconds running activities get to finish on shutdown before they are cancelled (default 10). */
  shutdownGraceSeconds?: number;
}

export async function createWeftWorker(options: WeftWorkerOptions): Promise<Worker> {
  const dir = options.dataDir ?? defaultDataDir();
  const activities = createActivities({
    secrets: options.secrets ?? secretsFromEnv(),
    logs: options.logs ?? new StoreLogSink(options.store),
    outputs: new OutputStore(join(dir, 'outputs')),
    flows: options.flows ?? new FlowService(options.store),
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    workflowBundle: await loadWorkflowBundle(),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100,
    maxConcurrentLocalActivityExecutions: 100,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTasks ?? 100,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 10}s`,
  });
}
