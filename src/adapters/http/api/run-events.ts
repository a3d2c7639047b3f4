// GET /api/v1/runs/{runId}/events: a run as Server-Sent Events. `run` first (the run as get_run
// shows it), then `task` for each task run whose state changed, `log` for each log entry, and
// `run` when the run's state changes; the last event is `run` with the ended run. Each event's id
// is the log cursor reached, so a client that reconnects with Last-Event-ID gets the run again
// and the log entries it has not seen. The run is read like subscriptions read it: 20 ms doubling
// to 250 ms while nothing changes.

import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { taskRunView } from '../../../../mcp/run-view.js';
import { type AnyToolDefinition, callTool, type ToolCall, type ToolContext } from '../../../../mcp/tool-registry.js';
import { dropUndefined } from '../../../../mcp/tool-result.js';
import type { TaskRunRecord } from '../../../core/runs/run-types.js';

const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
/** A comment line this often keeps proxies from closing a quiet stream (ms). */
const KEEP_ALIVE_MS = 15_000;
/** Log entries read per poll; more wait for the next one. */
const LOG_BATCH = 500;
/**
 * How often the task runs of a running foreach's batches (child workflows, each a query) are read
 * while the run's own task runs are read at every poll (ms).
 */
const BATCH_POLL_MS = 1000;

export interface RunEventsRequest {
  runId: string;
  /** The Last-Event-ID header: the log cursor the client had reached. */
  lastEventId?: string;
  getRun: AnyToolDefinition;
  ctx: ToolContext;
  call: ToolCall;
}

/**
 * Streams the run's events until it ends or the client goes away. The first read goes through
 * get_run, so access, a bad cursor and an unknown run are refused before the stream opens.
 */
export async function streamRunEvents(res: ServerResponse, request: RunEventsRequest): Promise<void> {
  const { runId, ctx, call } = request;
  const { runs, logs } = ctx.services;
  let cursor = request.lastEventId || undefined;
  const first = await callTool(request.getRun, { runId }, call, ctx);
  // A cursor that cannot be read is refused now, as a 400, rather than ending the stream later.
  const firstLogs = await logs.query({ runId, ...(cursor ? { cursor } : {}), limit: LOG_BATCH });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  let lastWrite = Date.now();
  const send = (event: string, data: unknown) => {
    res.write(`${cursor ? `id: ${cursor}\n` : ''}event: ${event}\ndata: ${JSON.stringify(dropUndefined(data))}\n\n`);
    lastWrite = Date.now();
  };
  // An entry's id is where a resumed stream starts again: the batch's start, and for the batch's
  // last entry the cursor past it. A stream cut within a batch sends part of it twice, never less.
  const sendLogs = (page: { entries: unknown[]; nextCursor?: string }) => {
    for (const [i, entry] of page.entries.entries()) {
      if (i === page.entries.length - 1 && page.nextCursor) cursor = page.nextCursor;
      send('log', entry);
    }
    if (page.nextCursor) cursor = page.nextCursor;
  };
  let state = first.structured.state as string;
  send('run', first.structured);
  sendLogs(firstLogs);
  if (isEnded(state)) return void res.end();
  const known = new Map<string, string>();
  for (const task of (await runs.get(runId)).tasks) known.set(taskKey(task), task.state);
  let pause = FIRST_POLL_MS;
  let batchesReadAt = 0;
  // Batches already read closed: their task runs were sent and change no more.
  const settled = new Set<string>();
  while (!call.signal.aborted) {
    await delay(pause, undefined, { signal: call.signal }).catch(() => undefined);
    if (call.signal.aborted) break;
    let changed = false;
    try {
      const page = await logs.query({ runId, ...(cursor ? { cursor } : {}), limit: LOG_BATCH });
      changed = page.entries.length > 0;
      sendLogs(page);
      const closed = await runs.isClosed(runId);
      const detail = closed ? await runs.get(runId) : undefined;
      // No worker answering for a moment is no change.
      const live = closed ? undefined : await runs.live(runId).catch(() => undefined);
      // Iterations of a foreach running in batches live in the batches' own books.
      const batching = live?.tasks.some((t) => t.type === 'foreach' && t.state === 'RUNNING') && Date.now() - batchesReadAt >= BATCH_POLL_MS;
      if (batching) batchesReadAt = Date.now();
      const batchTasks = batching ? await runs.liveBatchTasks(runId, settled).catch(() => []) : [];
      for (const task of detail?.tasks ?? [...(live?.tasks ?? []), ...batchTasks]) {
        if (known.get(taskKey(task)) === task.state) continue;
        known.set(taskKey(task), task.state);
        send('task', taskRunView(task));
        changed = true;
      }
      if (detail) {
        // Lines written as the run closed come before its last event.
        sendLogs(await logs.query({ runId, ...(cursor ? { cursor } : {}), limit: LOG_BATCH }));
        send('run', (await callTool(request.getRun, { runId }, call, ctx)).structured);
        break;
      }
      const now = live ? (live.waiting ? 'WAITING' : live.queued ? 'QUEUED' : 'RUNNING') : state;
      if (now !== state) {
        state = now;
        send('run', { runId, state });
        changed = true;
      }
    } catch {
      // A failed read (the store or Temporal away for a moment) is tried again at the next poll.
    }
    if (!changed && Date.now() - lastWrite > KEEP_ALIVE_MS) {
      res.write(': keep-alive\n\n');
      lastWrite = Date.now();
    }
    pause = changed ? FIRST_POLL_MS : Math.min(MAX_POLL_MS, pause * 2);
  }
  res.end();
}

function taskKey(task: TaskRunRecord): string {
  return `${task.id}${task.iteration ? `[${task.iteration.join(',')}]` : ''}`;
}

function isEnded(state: string): boolean {
  return state !== 'RUNNING' && state !== 'WAITING' && state !== 'QUEUED';
}
