// The task runs of a large foreach's batches. Its iterations run in `foreachBatch` child
// workflows (workflows/foreach.ts) whose task books are their own, so a run's detail reads them
// as it reads a run's: a running batch answers the taskRuns query; a closed one carries its task
// runs in its result or failure, which the parent's history holds (no call at all); a batch
// without them (run by older code, or cancelled, terminated, timed out) is replayed by a worker,
// else its own history gives its I/O tasks. They are shown nested under their foreach.

import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { ExecutionStatusName } from '../../core/runs/run-state.js';
import { type BatchTaskRuns, FLOW_RUN, type TaskOutputQuery, type TaskOutputResult, type TaskRunRecord, taskRunKey } from '../../core/runs/run-types.js';
import { historyValues } from '../temporal/history-payloads.js';
import { endedTasks, timelineFromHistory } from './history-timeline.js';
import { getRunningView } from './run-client.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Batches read at once: each may be a query (a replay on a worker) or a history read. */
const PARALLEL_READS = 8;
/** How deep batches of a foreach inside a batch's iteration are followed. */
const MAX_NESTING = 3;

/** One batch child, as the history of the workflow that started it tells. */
export interface BatchChild {
  workflowId: string;
  /** Task run key of its foreach (`each`, `each[2]`): its records go after that foreach's. */
  foreach: string;
  /** Its number among the foreach's batches (the `.batchN` of its id). */
  batch: number;
  /** Set once it closed: how, when, and the task runs its result or failure carries. */
  closed?: { status: ExecutionStatusName; at?: string; tasks?: TaskRunRecord[] };
}

export interface BatchReadOptions {
  /** false: no worker answered for the run, so none is asked for its batches either (history only). */
  askWorker: boolean;
  /** How long a worker gets to answer a batch's query (ms). */
  queryMs: number;
  /**
   * Batches (workflow ids) read once closed, for a caller that reads again and again: they are
   * left out (their task runs no longer change, and their closes are not decoded again), and
   * each batch read closed is added.
   */
  settled?: Set<string>;
}

/** The foreach batches started in `events` (the history of `parentId`), in the order they started. */
export async function batchChildren(client: Client, parentId: string, events: readonly HistoryEvent[], settled?: ReadonlySet<string>): Promise<BatchChild[]> {
  const started = new Map<string, BatchChild>();
  const prefix = `${parentId}.`;
  for (const event of events) {
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated?.workflowType?.name === FLOW_RUN.batchWorkflowType && initiated.workflowId?.startsWith(prefix)) {
      const named = /^(.+)\.batch(\d+)$/.exec(initiated.workflowId.slice(prefix.length));
      if (named) started.set(String(event.eventId), { workflowId: initiated.workflowId, foreach: named[1] as string, batch: Number(named[2]) });
      continue;
    }
    const closing = closedChild(event);
    const child = closing === undefined ? undefined : started.get(closing);
    // Only a batch's close is decoded: a subflow's result is not read here.
    if (child && !settled?.has(child.workflowId)) child.closed = await closeOf(client, event);
    else if (child) started.delete(closing as string);
    // A batch that could not start never ran an iteration.
    const failedStart = event.startChildWorkflowExecutionFailedEventAttributes;
    if (failedStart) started.delete(String(failedStart.initiatedEventId));
  }
  return [...started.values()];
}

/** The child close events of a history, by the status they close a child with. */
function childCloses(event: HistoryEvent): Array<[ExecutionStatusName, { initiatedEventId?: unknown } | null | undefined]> {
  return [
    ['COMPLETED', event.childWorkflowExecutionCompletedEventAttributes],
    ['FAILED', event.childWorkflowExecutionFailedEventAttributes],
    ['CANCELLED', event.childWorkflowExecutionCanceledEventAttributes],
    ['TERMINATED', event.childWorkflowExecutionTerminatedEventAttributes],
    ['TIMED_OUT', event.childWorkflowExecutionTimedOutEventAttributes],
  ];
}

/** The initiating event id of the child this event closes; undefined for any other event. */
function closedChild(event: HistoryEvent): string | undefined {
  const attributes = childCloses(event).find(([, a]) => a)?.[1];
  return attributes ? String(attributes.initiatedEventId) : undefined;
}

/** A batch's close as the parent's history records it, with the task runs its result or failure carries. */
async function closeOf(client: Client, event: HistoryEvent): Promise<NonNullable<BatchChild['closed']>> {
  const status = childCloses(event).find(([, a]) => a)?.[0] ?? 'UNKNOWN';
  const at = timeOf(event);
  const converter = client.options.loadedDataConverter;
  const failure = event.childWorkflowExecutionFailedEventAttributes?.failure;
  const payloads =
    event.childWorkflowExecutionCompletedEventAttributes?.result?.payloads ??
    (failure?.applicationFailureInfo ?? failure?.cause?.applicationFailureInfo)?.details?.payloads;
  const tasks = payloads?.length ? ((await historyValues(converter, payloads))[0] as BatchTaskRuns | undefined)?.tasks : undefined;
  return { status, ...(at ? { at } : {}), ...(Array.isArray(tasks) ? { tasks } : {}) };
}

/**
 * The task runs of the batches started in `events`, and of batches their iterations started in
 * turn, by the key of the foreach they belong to; each foreach's batches in order.
 */
export async function batchTaskRuns(
  client: Client,
  parentId: string,
  events: readonly HistoryEvent[],
  options: BatchReadOptions,
  depth = 1,
): Promise<Map<string, TaskRunRecord[]>> {
  const byForeach = new Map<string, TaskRunRecord[]>();
  const children = (await batchChildren(client, parentId, events, options.settled)).sort((a, b) => a.foreach.localeCompare(b.foreach) || a.batch - b.batch);
  const read = await inParallel(children, (child) => readBatch(client, child, options, depth));
  // Only once read: a batch whose read failed is read again next time.
  for (const child of children) if (child.closed) options.settled?.add(child.workflowId);
  children.forEach((child, i) => {
    const { tasks, nested } = read[i] as Awaited<ReturnType<typeof readBatch>>;
    byForeach.set(child.foreach, [...(byForeach.get(child.foreach) ?? []), ...tasks]);
    for (const [key, records] of nested) byForeach.set(key, [...(byForeach.get(key) ?? []), ...records]);
  });
  return byForeach;
}

async function readBatch(
  client: Client,
  child: BatchChild,
  options: BatchReadOptions,
  depth: number,
): Promise<{ tasks: TaskRunRecord[]; nested: Map<string, TaskRunRecord[]> }> {
  let events: HistoryEvent[] | undefined;
  const history = async () => {
    events ??= (await client.workflow.getHandle(child.workflowId).fetchHistory()).events ?? [];
    return events;
  };
  let tasks = child.closed?.tasks;
  if (!tasks && options.askWorker) {
    tasks = await client.connection
      .withDeadline(Date.now() + options.queryMs, () => getRunningView(client, child.workflowId))
      .then((view) => view.tasks)
      .catch(() => undefined);
  }
  tasks ??= timelineFromHistory(await history());
  if (child.closed) tasks = endedTasks(tasks, child.closed.status, child.closed.at);
  // Only a batch whose iterations hold a foreach may have started batches of its own.
  const holdsForeach = tasks.some((t) => t.type === 'foreach');
  const nested =
    holdsForeach && depth < MAX_NESTING
      ? await batchTaskRuns(client, child.workflowId, await history(), options, depth + 1)
      : new Map<string, TaskRunRecord[]>();
  return { tasks, nested };
}

/**
 * A task run's output inside a batch of the run: asked of the batches of foreach loops at that
 * depth (a closed batch that carries its task runs is asked only when it holds that one), from
 * its own history first when it has closed (an I/O task's result), else by its query (a worker
 * answers, replaying a closed batch). Undefined when no batch holds it.
 */
export async function batchTaskOutput(
  client: Client,
  runId: string,
  events: readonly HistoryEvent[],
  at: { taskId: string; iteration: number[] },
  options: { queryMs: number; fromHistory(events: readonly HistoryEvent[], key: string): Promise<TaskOutputResult | undefined> },
  nesting = 1,
): Promise<TaskOutputResult | undefined> {
  const key = taskRunKey(at.taskId, at.iteration);
  const depth = at.iteration.length - 1;
  const children = await batchChildren(client, runId, events);
  const holds = (child: BatchChild) => !child.closed?.tasks || child.closed.tasks.some((t) => taskRunKey(t.id, t.iteration) === key);
  for (const child of children.filter((c) => foreachDepth(c.foreach) === depth && holds(c))) {
    const handle = client.workflow.getHandle(child.workflowId);
    if (child.closed) {
      const recorded = await options.fromHistory((await handle.fetchHistory()).events ?? [], key);
      if (recorded) return recorded;
    }
    const answer = await client.connection
      .withDeadline(Date.now() + options.queryMs, () => handle.query<TaskOutputResult, [TaskOutputQuery]>(FLOW_RUN.taskOutputQuery, at))
      .catch(() => undefined);
    if (answer?.found) return answer;
  }
  if (nesting >= MAX_NESTING) return undefined;
  // Deeper: a foreach inside a batch's iteration may have run in batches that batch started.
  const outer = at.iteration.slice(0, depth);
  for (const child of children.filter((c) => foreachDepth(c.foreach) < depth)) {
    if (child.closed?.tasks && !child.closed.tasks.some((t) => t.type === 'foreach' && sameStart(t.iteration ?? [], outer))) continue;
    const inner = (await client.workflow.getHandle(child.workflowId).fetchHistory()).events ?? [];
    const found = await batchTaskOutput(client, child.workflowId, inner, at, options, nesting + 1);
    if (found) return found;
  }
  return undefined;
}

/** Whether `path` agrees with `prefix` as far as both go. */
function sameStart(path: readonly number[], prefix: readonly number[]): boolean {
  return path.every((n, i) => i >= prefix.length || prefix[i] === n);
}

/** How many foreach indexes a foreach's own task run key carries (`each` 0, `each[2]` 1). */
function foreachDepth(key: string): number {
  const open = key.indexOf('[');
  return open < 0 ? 0 : key.slice(open + 1, -1).split(',').length;
}

/**
 * `tasks` with the task runs of each foreach's batches placed right after the foreach's own
 * record (its nested foreach's after theirs); batches whose foreach is not listed (a timeline
 * read from history knows no foreach) go at the end.
 */
export function nestBatchTaskRuns(tasks: readonly TaskRunRecord[], batches: ReadonlyMap<string, readonly TaskRunRecord[]>): TaskRunRecord[] {
  if (batches.size === 0) return [...tasks];
  const out: TaskRunRecord[] = [];
  const placed = new Set<string>();
  const place = (record: TaskRunRecord) => {
    out.push(record);
    const key = taskRunKey(record.id, record.iteration);
    const inner = record.type === 'foreach' ? batches.get(key) : undefined;
    if (!inner || placed.has(key)) return;
    placed.add(key);
    for (const nested of inner) place(nested);
  };
  for (const record of tasks) place(record);
  for (const [key, inner] of batches) {
    if (placed.has(key)) continue;
    placed.add(key);
    for (const nested of inner) place(nested);
  }
  return out;
}

async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, items.length) }, lane));
  return results;
}

function timeOf(event: HistoryEvent): string | undefined {
  const t = event.eventTime;
  if (!t?.seconds) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}
