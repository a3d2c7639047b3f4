// `import { WeftClient } from 'weft/client'`: the JSON API from TypeScript, in Node 20+ or a
// browser. One method per route of the route table (the server's own), typed from the tools'
// schemas; errors are WeftApiError with `code` and `problems`; a run's events arrive as an async
// iterator over the API's Server-Sent Events. Uses only fetch: no Node modules, no zod.

import { API_PREFIX, API_ROUTES, pathArgNames, pathFromArgs } from '../http/api/api-routes.js';
import { errorOfResponse, WeftApiError } from './api-error.js';
import type {
  ApprovalAnswer,
  ApprovalResult,
  CancelledRun,
  CancelOptions,
  DeletedFlow,
  FileList,
  FileResult,
  FlowDetail,
  FlowList,
  FlowsQuery,
  FlowValidation,
  LimitList,
  LimitResult,
  LogPage,
  LogsQuery,
  RestartedRun,
  RestartOptions,
  Run,
  RunEvent,
  RunList,
  RunLogsQuery,
  RunQuery,
  RunsQuery,
  SavedFlow,
  StartedRun,
  StartRun,
  TaskTypes,
  TaskTypesQuery,
  TriggerAction,
  TriggerList,
  TriggerOptions,
  TriggerResult,
  TriggersQuery,
} from './client-types.js';
import { readEventStream } from './event-stream.js';

export { type ApiProblem, WeftApiError } from './api-error.js';
export type * from './client-types.js';

export interface WeftClientOptions {
  /** The server's address, e.g. `http://127.0.0.1:8765` (what `weft server` prints; a trailing `/api/v1` is fine). */
  url: string;
  /** An API key (`weft apikey create`); not needed on loopback without --auth. */
  apiKey?: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

interface CallOptions {
  signal?: AbortSignal;
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'TERMINATED']);
/** Waits between reconnections of an event stream that broke off (ms). */
const RECONNECT_MS = [250, 1000, 2000, 5000];

export class WeftClient {
  private readonly base: string;
  private readonly apiKey: string | undefined;
  private readonly fetch: typeof fetch;

  constructor(options: WeftClientOptions) {
    const url = options.url.replace(/\/+$/, '');
    this.base = url.endsWith(API_PREFIX) ? url : `${url}${API_PREFIX}`;
    this.apiKey = options.apiKey;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The task catalog; `type` for one type in full. */
  listTaskTypes(query: TaskTypesQuery = {}, options?: CallOptions): Promise<TaskTypes> {
    return this.request('listTaskTypes', query, options);
  }

  /** Every problem of a flow text (YAML or JSON), without saving it. */
  validateFlow(text: string, options?: CallOptions): Promise<FlowValidation> {
    return this.request('validateFlow', { flow: text }, options);
  }

  /** Saves a flow text as `namespace/id`, which the text must declare; a change makes a revision. */
  saveFlow(flow: string, text: string, save: { message?: string } = {}, options?: CallOptions): Promise<SavedFlow> {
    const [namespace, id] = splitRef(flow);
    return this.request('saveFlow', { flow: text, ...save }, options, { namespace, id });
  }

  listFlows(query: FlowsQuery = {}, options?: CallOptions): Promise<FlowList> {
    return this.request('listFlows', query, options);
  }

  getFlow(flow: string, query: { revision?: number } = {}, options?: CallOptions): Promise<FlowDetail> {
    return this.request('getFlow', { flow, ...query }, options);
  }

  deleteFlow(flow: string, options?: CallOptions): Promise<DeletedFlow> {
    return this.request('deleteFlow', { flow }, options);
  }

  /** Starts a run (the same idempotencyKey finds the same run); waitSeconds waits up to 50 s for its end. */
  startRun(run: StartRun, options?: CallOptions): Promise<StartedRun> {
    return this.request('startRun', run, options);
  }

  listRuns(query: RunsQuery = {}, options?: CallOptions): Promise<RunList> {
    return this.request('listRuns', query, options);
  }

  getRun(runId: string, query: RunQuery = {}, options?: CallOptions): Promise<Run> {
    return this.request('getRun', { runId, ...query }, options);
  }

  cancelRun(runId: string, cancel: CancelOptions = {}, options?: CallOptions): Promise<CancelledRun> {
    return this.request('cancelRun', { runId, ...cancel }, options);
  }

  /** Restarts an ended run from a task (default: the failed one), reusing what completed before it. */
  restartRun(runId: string, restart: RestartOptions = {}, options?: CallOptions): Promise<RestartedRun> {
    return this.request('restartRun', { runId, ...restart }, options);
  }

  /** Named limits with the runs holding and waiting for them. */
  listLimits(query: { name?: string } = {}, options?: CallOptions): Promise<LimitList> {
    return this.request('listLimits', query, options);
  }

  /** Sets a named limit (admin: limits are shared by every namespace). */
  setLimit(name: string, limit: number, options?: CallOptions): Promise<LimitResult> {
    return this.request('setLimit', { name, limit }, options);
  }

  removeLimit(name: string, options?: CallOptions): Promise<LimitResult> {
    return this.request('removeLimit', { name }, options);
  }

  /** The files of a namespace, which its script tasks list in `files:`. */
  listFiles(namespace: string, options?: CallOptions): Promise<FileList> {
    return this.request('listFiles', { namespace }, options);
  }

  /**
   * One page of a file: `content` is text, or base64 when `base64` is true; `nextOffset` is where
   * the next page starts when there is one.
   */
  getFile(namespace: string, path: string, query: { offset?: number } = {}, options?: CallOptions): Promise<FileResult> {
    return this.request('getFile', { namespace, path, ...query }, options);
  }

  /** Puts a file (text, or bytes sent as base64); the request body bounds its size (2 MiB). */
  putFile(namespace: string, path: string, content: string | Uint8Array, options?: CallOptions): Promise<FileResult> {
    const body = typeof content === 'string' ? { content } : { content: base64Of(content), base64: true };
    return this.request('putFile', { namespace, path, ...body }, options);
  }

  removeFile(namespace: string, path: string, options?: CallOptions): Promise<FileResult> {
    return this.request('removeFile', { namespace, path }, options);
  }

  /** Approves or rejects a waiting approval; with a person's key, as that person. */
  respondToApproval(runId: string, taskId: string, answer: ApprovalAnswer, options?: CallOptions): Promise<ApprovalResult> {
    return this.request('respondToApproval', { runId, taskId, ...answer }, options);
  }

  /** A run's log entries (`tail` for the last ones; `nextCursor` pages on). */
  getRunLogs(runId: string, query: RunLogsQuery = {}, options?: CallOptions): Promise<LogPage> {
    return this.request('getRunLogs', { runId, ...query }, options);
  }

  /** Searches the logs of every run the key may see. */
  searchLogs(query: Omit<LogsQuery, 'runId'> & { runId?: string } = {}, options?: CallOptions): Promise<LogPage> {
    return this.request('searchLogs', query, options);
  }

  /** One flow's triggers (a `namespace/id`), or with a query without `flow`, a page of every flow's the key may see. */
  listTriggers(flow: string | TriggersQuery = {}, options?: CallOptions): Promise<TriggerList> {
    return this.request('listTriggers', typeof flow === 'string' ? { flow } : flow, options);
  }

  operateTrigger(flow: string, triggerId: string, action: TriggerAction, body: TriggerOptions = {}, options?: CallOptions): Promise<TriggerResult> {
    return this.request('operateTrigger', { flow, triggerId, action, ...body }, options);
  }

  /**
   * Any route of the table by its operation name (as in the OpenAPI document), for routes newer
   * than this client's typed methods. Arguments as the route's tool takes them.
   */
  call<T = Record<string, unknown>>(operation: string, args: Record<string, unknown> = {}, options?: CallOptions): Promise<T> {
    return this.request(operation, args, options);
  }

  /**
   * The run's events as they happen: `run` first, then `task` and `log` events, and `run` when
   * its state changes; the iteration ends after the `run` event of the ended run. A stream that
   * breaks off is resumed where it stopped (Last-Event-ID).
   */
  async *runEvents(runId: string, options: CallOptions = {}): AsyncGenerator<RunEvent> {
    let lastId: string | undefined;
    let retries = 0;
    for (;;) {
      const response = await this.send(`/runs/${encodeURIComponent(runId)}/events`, {
        method: 'GET',
        headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!response.body) throw new WeftApiError(response.status, { code: 'NETWORK_ERROR', message: 'the event stream has no body' });
      try {
        for await (const message of readEventStream(response.body)) {
          retries = 0;
          if (message.id) lastId = message.id;
          const data = JSON.parse(message.data) as never;
          const id = message.id === undefined ? {} : { id: message.id };
          if (message.event === 'run') {
            const run = data as Extract<RunEvent, { type: 'run' }>['run'];
            yield { type: 'run', run, ...id };
            if (ENDED.has(run.state)) return;
          } else if (message.event === 'task') yield { type: 'task', task: data, ...id };
          else if (message.event === 'log') yield { type: 'log', entry: data, ...id };
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
      }
      if (options.signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(retries++, RECONNECT_MS.length - 1)]));
    }
  }

  /** Waits for the run to end (on its event stream, no polling); its last state as getRun shows it. */
  async waitForRun(runId: string, options: CallOptions = {}): Promise<Run> {
    for await (const event of this.runEvents(runId, options)) {
      if (event.type === 'run' && ENDED.has(event.run.state)) return event.run as Run;
    }
    return this.getRun(runId, {}, options);
  }

  private async request<T>(operation: string, args: Record<string, unknown>, options: CallOptions = {}, path: Record<string, unknown> = {}): Promise<T> {
    const route = API_ROUTES.find((r) => r.operation === operation);
    if (!route) throw new WeftApiError(0, { code: 'NOT_FOUND', message: `no API operation ${operation}` });
    const given = new Set([...pathArgNames(route), ...Object.keys(route.fixed ?? {})]);
    const rest = Object.fromEntries(Object.entries(args).filter(([name, value]) => !given.has(name) && value !== undefined));
    let target = pathFromArgs(route, { ...args, ...path });
    const init: RequestInit = { method: route.method, ...(options.signal ? { signal: options.signal } : {}) };
    if (route.body) {
      init.body = JSON.stringify(rest);
      init.headers = { 'content-type': 'application/json' };
    } else {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(rest)) query.set(name, Array.isArray(value) ? value.join(',') : String(value));
      if ([...query.keys()].length) target += `?${query}`;
    }
    const response = await this.send(target, init);
    return (await response.json()) as T;
  }

  /** A request under the API's base; a non-2xx answer or a network failure is thrown as WeftApiError. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('authorization', `Bearer ${this.apiKey}`);
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new WeftApiError(0, { code: 'NETWORK_ERROR', message: `cannot reach ${this.base}: ${(error as Error).message}` }, undefined, error);
    }
    if (!response.ok) throw await errorOfResponse(response);
    return response;
  }
}

function splitRef(flow: string): [string, string] {
  const slash = flow.indexOf('/');
  if (slash <= 0 || slash === flow.length - 1) {
    throw new WeftApiError(0, { code: 'INVALID_ARGUMENTS', message: `flow must be "namespace/id" (got ${JSON.stringify(flow)})` });
  }
  return [flow.slice(0, slash), flow.slice(slash + 1)];
}

/** Bytes as base64 with what browsers and Node both have (no Buffer in a browser bundle). */
function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
