// The JSON API's routes under /api/v1, one line each: method, path, the MCP tool it runs and how
// the path maps into the tool's arguments. The server, the OpenAPI document and the client are
// all built from this table. Plain data with no imports, so a browser bundle of the client can
// carry it; a route whose tool this build does not have is left out (see `routesOf`).

/** The path every route is under. */
export const API_PREFIX = '/api/v1';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRoute {
  method: ApiMethod;
  /** Under API_PREFIX, with `{param}` segments. */
  path: string;
  /** The MCP tool the route runs (its schemas, access rules and audit are the route's). */
  tool: string;
  /** A unique name for the operation (OpenAPI operationId, the client's method). */
  operation: string;
  summary: string;
  /** Path parameters that are an argument of their own, by the argument's name; default: the same name. */
  args?: Readonly<Record<string, string>>;
  /** The two path parameters joined as `namespace/id` into the tool's `flow` argument. */
  flowFrom?: readonly [string, string];
  /**
   * `json`: a JSON object of the remaining arguments; `flow-text`: that, or the flow's text as
   * YAML (`application/yaml`), which becomes the `flow` argument. Routes without a body take the
   * remaining arguments from the query string.
   */
  body?: 'json' | 'flow-text';
  /** Arguments the route always passes (DELETE /limits/{name} is `set_limit` with `remove`). */
  fixed?: Readonly<Record<string, unknown>>;
  /** The path names the flow the text must declare (PUT /flows/{namespace}/{id}). */
  textMustMatchPath?: boolean;
  /** Server-Sent Events of a run rather than the tool's result (the tool checks access and reads the run first). */
  events?: boolean;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/task-types', tool: 'list_task_types', operation: 'listTaskTypes', summary: 'The task catalog' },
  { method: 'POST', path: '/flows/validate', tool: 'validate_flow', operation: 'validateFlow', summary: 'Validates a flow text', body: 'flow-text' },
  {
    method: 'PUT',
    path: '/flows/{namespace}/{id}',
    tool: 'save_flow',
    operation: 'saveFlow',
    summary: "Saves a flow text (the text's own namespace and id must match the path)",
    body: 'flow-text',
    textMustMatchPath: true,
  },
  { method: 'GET', path: '/flows', tool: 'list_flows', operation: 'listFlows', summary: 'Lists flows' },
  { method: 'GET', path: '/flows/{namespace}/{id}', tool: 'get_flow', operation: 'getFlow', summary: 'One flow', flowFrom: ['namespace', 'id'] },
  {
    method: 'DELETE',
    path: '/flows/{namespace}/{id}',
    tool: 'delete_flow',
    operation: 'deleteFlow',
    summary: 'Deletes a flow and its triggers',
    flowFrom: ['namespace', 'id'],
  },
  { method: 'POST', path: '/runs', tool: 'run_flow', operation: 'startRun', summary: 'Starts a run', body: 'json' },
  { method: 'GET', path: '/runs', tool: 'list_runs', operation: 'listRuns', summary: 'Lists runs' },
  { method: 'GET', path: '/runs/{runId}', tool: 'get_run', operation: 'getRun', summary: 'A run' },
  { method: 'POST', path: '/runs/{runId}/cancel', tool: 'cancel_run', operation: 'cancelRun', summary: 'Cancels a run', body: 'json' },
  {
    method: 'POST',
    path: '/runs/{runId}/restart',
    tool: 'restart_run',
    operation: 'restartRun',
    summary: 'Restarts an ended run (409 while it is still going)',
    body: 'json',
  },
  {
    method: 'POST',
    path: '/runs/{runId}/approvals/{taskId}',
    tool: 'respond_to_approval',
    operation: 'respondToApproval',
    summary: 'Answers an approval (as a person with a person key)',
    body: 'json',
  },
  { method: 'GET', path: '/runs/{runId}/logs', tool: 'query_logs', operation: 'getRunLogs', summary: "A run's log entries" },
  {
    method: 'GET',
    path: '/runs/{runId}/events',
    tool: 'get_run',
    operation: 'runEvents',
    summary: "A run's events as Server-Sent Events: run, task, log; the last is run when it ended (Last-Event-ID resumes)",
    events: true,
  },
  { method: 'GET', path: '/logs', tool: 'query_logs', operation: 'searchLogs', summary: 'Searches all logs' },
  {
    method: 'GET',
    path: '/triggers',
    tool: 'list_triggers',
    operation: 'listTriggers',
    summary: "A flow's triggers with their state, or (without flow) every flow's, paged",
  },
  {
    method: 'POST',
    path: '/triggers/{namespace}/{flowId}/{triggerId}/{action}',
    tool: 'operate_trigger',
    operation: 'operateTrigger',
    summary: 'Pauses, resumes, previews or backfills a trigger',
    flowFrom: ['namespace', 'flowId'],
    body: 'json',
  },
  { method: 'GET', path: '/limits', tool: 'list_limits', operation: 'listLimits', summary: 'Named limits with their holders and waiters' },
  { method: 'PUT', path: '/limits/{name}', tool: 'set_limit', operation: 'setLimit', summary: 'Sets a named limit (admin)', body: 'json' },
  {
    method: 'DELETE',
    path: '/limits/{name}',
    tool: 'set_limit',
    operation: 'removeLimit',
    summary: 'Removes a named limit (admin)',
    fixed: { remove: true },
  },
  { method: 'GET', path: '/files/{namespace}', tool: 'manage_files', operation: 'listFiles', summary: "A namespace's files", fixed: { action: 'list' } },
  {
    method: 'GET',
    path: '/files/{namespace}/{path}',
    tool: 'manage_files',
    operation: 'getFile',
    summary: 'A page of a file (path with %2F for "/"; nextOffset pages on)',
    fixed: { action: 'get' },
  },
  {
    method: 'PUT',
    path: '/files/{namespace}/{path}',
    tool: 'manage_files',
    operation: 'putFile',
    summary: 'Puts a file',
    body: 'json',
    fixed: { action: 'put' },
  },
  {
    method: 'DELETE',
    path: '/files/{namespace}/{path}',
    tool: 'manage_files',
    operation: 'removeFile',
    summary: 'Removes a file',
    fixed: { action: 'remove' },
  },
];

/** The routes whose tool this build has. */
export function routesOf(hasTool: (tool: string) => boolean): ApiRoute[] {
  return API_ROUTES.filter((route) => hasTool(route.tool));
}

/** The `{param}` names of a route's path, in order. */
export function pathParams(route: ApiRoute): string[] {
  return [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

/** The argument names a route's path gives, so the body or query may not give them again. */
export function pathArgNames(route: ApiRoute): string[] {
  if (route.textMustMatchPath) return [];
  const params = pathParams(route).filter((p) => !route.flowFrom?.includes(p));
  return [...(route.flowFrom ? ['flow'] : []), ...params.map((p) => route.args?.[p] ?? p)];
}

/** The tool arguments a matched path gives. */
export function argsFromPath(route: ApiRoute, params: Readonly<Record<string, string>>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  // The text names its flow; the path is checked against it, not passed.
  if (route.textMustMatchPath) return args;
  for (const [name, value] of Object.entries(params)) {
    if (route.flowFrom?.includes(name)) continue;
    args[route.args?.[name] ?? name] = value;
  }
  if (route.flowFrom) args.flow = `${params[route.flowFrom[0]]}/${params[route.flowFrom[1]]}`;
  return args;
}

/** The path parameters of a route from the tool's arguments (the client's direction). */
export function pathFromArgs(route: ApiRoute, args: Readonly<Record<string, unknown>>): string {
  const values: Record<string, string> = {};
  if (route.flowFrom) {
    const flow = String(args.flow ?? '');
    const slash = flow.indexOf('/');
    values[route.flowFrom[0]] = slash < 0 ? flow : flow.slice(0, slash);
    values[route.flowFrom[1]] = slash < 0 ? '' : flow.slice(slash + 1);
  }
  for (const param of pathParams(route)) {
    if (route.flowFrom?.includes(param)) continue;
    values[param] = String(args[route.args?.[param] ?? param] ?? '');
  }
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** The route and its path parameters for a method and a path under API_PREFIX; `methods` lists the path's methods when only the method is wrong. */
export function matchRoute(
  routes: readonly ApiRoute[],
  method: string,
  path: string,
): { route: ApiRoute; params: Record<string, string> } | { methods: ApiMethod[] } | undefined {
  const segments = path.split('/').slice(1);
  const methods: ApiMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    methods.push(route.method);
  }
  return methods.length ? { methods } : undefined;
}

function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/').slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name) {
      const value = decodeSegment(segment);
      if (value === undefined || value === '') return undefined;
      params[name] = value;
    } else if (part !== segment) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
