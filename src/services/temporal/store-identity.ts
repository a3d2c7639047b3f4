// Which store a Weft worker serves, told to Temporal in the worker's identity, so that workers of
// different stores never share a task queue by accident (two data directories on one Temporal
// server would hand each other's runs to a worker with the wrong flows, secrets and logs), and a
// CLI command can say when the service it reaches serves another store than its own.

import { hostname } from 'node:os';
import type { WorkflowService } from '@temporalio/client';
import proto from '@temporalio/proto';
import { WeftError } from '../../core/errors.js';
import type { Store } from '../store/database.js';

/**
 * A poller seen this recently is alive. Workers long-poll for up to about a minute and Temporal
 * keeps a stopped worker's entry for minutes, so a shorter window would miss live workers and a
 * longer one would keep a stopped one in the way.
 */
const LIVE_POLLER_MS = 75_000;
const { TaskQueueType, TaskQueueKind } = proto.temporal.api.enums.v1;
const MARK = / store=([0-9a-f-]{36})(?: data=(.*))?$/;

/** The random id the store was given when it was created (migration 007). */
export async function storeIdentity(store: Store): Promise<string> {
  const row = await store.db.selectFrom('store_identity').select('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The worker identity Temporal shows: who runs it, its worker group (`queue=gpu`, absent on
 * Weft's own queue), and the store and data directory it serves.
 */
export function workerIdentity(storeId: string, dataDir: string, queue?: string): string {
  return `weft ${process.pid}@${hostname()}${queue ? ` queue=${queue}` : ''} store=${storeId} data=${dataDir.slice(0, 300)}`;
}

/** A worker identity as a task run shows it: a Weft worker's without the store mark (`weft 4242@host queue=gpu`), any other as it is. */
export function shortWorkerIdentity(identity: string): string {
  const mark = identity.search(MARK);
  return (mark > 0 ? identity.slice(0, mark) : identity).slice(0, 200);
}

/** A live Weft worker polling a task queue, and the store it serves. */
export interface QueueWorker {
  identity: string;
  storeId: string;
  dataDir?: string;
}

/**
 * The identities of the live pollers of `taskQueue` for workflow or activity tasks, of any program
 * (Temporal's DescribeTaskQueue, seen within the last 75 s).
 */
export async function livePollers(
  service: WorkflowService,
  namespace: string,
  taskQueue: string,
  kind: 'workflow' | 'activity',
  now = Date.now(),
): Promise<string[]> {
  const taskQueueType = kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
  const described = await service.describeTaskQueue({ namespace, taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType });
  return (described.pollers ?? []).filter((p) => now - Number(p.lastAccessTime?.seconds ?? 0) * 1000 <= LIVE_POLLER_MS).map((p) => p.identity ?? '');
}

/** The live Weft workers of `taskQueue` (workers of other programs, or older Weft, are left out). */
export async function queueWorkers(service: WorkflowService, namespace: string, taskQueue: string, now = Date.now()): Promise<QueueWorker[]> {
  const found = new Map<string, QueueWorker>();
  for (const kind of ['workflow', 'activity'] as const) {
    for (const identity of await livePollers(service, namespace, taskQueue, kind, now)) {
      const match = MARK.exec(identity);
      if (!match?.[1]) continue;
      found.set(identity, { identity, storeId: match[1], ...(match[2] ? { dataDir: match[2] } : {}) });
    }
  }
  return [...found.values()];
}

/** Thrown when the task queue is served by workers of another store. */
export class TaskQueueInUseError extends WeftError {
  constructor(
    readonly taskQueue: string,
    readonly other: QueueWorker,
  ) {
    super(
      'TASK_QUEUE_IN_USE',
      `task queue ${taskQueue} is served by workers of another store${other.dataDir ? ` (data directory ${other.dataDir})` : ''}: a worker of this store there would run the other's runs with the wrong flows, secrets and logs`,
      {
        hint: 'give this data directory its own Temporal server (weft dev --port P --ui-port P --mcp-port P) or its own queue (WEFT_TASK_QUEUE), or stop the other service; a stopped worker stops counting after about a minute',
      },
    );
  }
}

/** Refuses to start a worker of `storeId` on a queue that live workers of another store serve. */
export async function assertQueueFree(service: WorkflowService, namespace: string, taskQueue: string, storeId: string): Promise<void> {
  const other = (await queueWorkers(service, namespace, taskQueue)).find((w) => w.storeId !== storeId);
  if (other) throw new TaskQueueInUseError(taskQueue, other);
}

/**
 * One line for a CLI command whose store is not the one the queue's live workers serve, or
 * undefined when they match (or no Weft worker is there to compare with).
 */
export async function otherStoreNotice(
  service: WorkflowService,
  options: { namespace: string; taskQueue: string; address: string; storeId: string; dataDir: string },
): Promise<string | undefined> {
  const workers = await queueWorkers(service, options.namespace, options.taskQueue);
  if (workers.length === 0 || workers.some((w) => w.storeId === options.storeId)) return undefined;
  const theirs = workers.find((w) => w.dataDir)?.dataDir;
  return `weft: the Weft service at ${options.address} serves another data directory${theirs ? ` (${theirs})` : ''} than this command's (${options.dataDir}): its workers run what this command starts, with their own flows, secrets and logs; set WEFT_DATA_DIR${theirs ? `=${theirs}` : ''} to use that one, or TEMPORAL_ADDRESS to this directory's own service`;
}
