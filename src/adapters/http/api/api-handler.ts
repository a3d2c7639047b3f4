// The JSON API under /api/v1, served beside /mcp by the same HTTP server: each request is
// checked like an MCP request (loopback Host, Origin, bearer key), matched to its route, and
// runs the route's MCP tool through the same call path (closed arguments, access, audit).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpAccess } from '../../../../mcp/access.js';
import { bearerToken, type HttpRoute, type RouteChecks, tokenActor } from '../../../../mcp/http-server.js';
import type { McpServices } from '../../../../mcp/services.js';
import { type AnyToolDefinition, callTool, type ToolCall } from '../../../../mcp/tool-registry.js';
import { dropUndefined, errorData } from '../../../../mcp/tool-result.js';
import { WeftError } from '../../../core/errors.js';
import { checkFlow } from '../../../services/flow-service.js';
import { ApiRequestError, RETRY_AFTER_SECONDS, statusOf } from './api-errors.js';
import { requestArgs } from './api-request.js';
import { API_PREFIX, matchRoute, routesOf } from './api-routes.js';
import { withConsolePerson } from './console-person.js';
import { openApiDocument } from './openapi.js';
import { streamRunEvents } from './run-events.js';

export interface ApiOptions {
  services: McpServices;
  /** The tools routes may run (the MCP server's); a route whose tool is missing is not served. */
  tools: readonly AnyToolDefinition[];
  log?(line: string): void;
}

/** The route of the HTTP server that serves the JSON API. */
export function apiRoute(options: ApiOptions): HttpRoute {
  const tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  const routes = routesOf((name) => tools.has(name));
  let openApi: string | undefined;
  return {
    prefix: '/api/',
    async handle(req, res, checks) {
      try {
        const url = new URL(req.url ?? '/', 'http://placeholder');
        checkBrowserHeaders(req, checks);
        if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw notFound(url.pathname);
        const path = url.pathname.slice(API_PREFIX.length);
        if (path === '/openapi.json' && req.method === 'GET') {
          openApi ??= JSON.stringify(openApiDocument(routes, tools));
          res.writeHead(200, { 'content-type': 'application/json' }).end(openApi);
          return;
        }
        const match = matchRoute(routes, req.method ?? 'GET', path);
        if (!match) throw notFound(url.pathname);
        if ('methods' in match) {
          res.setHeader('allow', match.methods.join(', '));
          throw new ApiRequestError('METHOD_NOT_ALLOWED', `${url.pathname} takes ${match.methods.join(', ')}, not ${req.method}`);
        }
        const tool = tools.get(match.route.tool) as AnyToolDefinition;
        const access = withConsolePerson(req, await authenticate(req, url, checks), checks);
        if (!access.toolVisible(tool.name)) {
          checks.refused?.({ actor: access.caller, tool: tool.name, errorCode: 'TOOL_NOT_ALLOWED', arguments: { method: req.method, path: url.pathname } });
          throw new ApiRequestError('TOOL_NOT_ALLOWED', `${req.method} ${url.pathname} (${tool.name}) is not available to ${access.caller}`, {
            hint: 'use a key whose scope allows it (read < run < admin); mutating routes are off on a read-only server',
          });
        }
        const ctx = { services: options.services, access, surface: 'api' as const };
        if (match.route.events) {
          if ([...url.searchParams.keys()].length > 0) throw new ApiRequestError('MALFORMED_REQUEST', `${url.pathname} takes no query parameters`);
          const lastEventId = req.headers['last-event-id'];
          await streamRunEvents(res, {
            runId: match.params.runId as string,
            ...(typeof lastEventId === 'string' ? { lastEventId } : {}),
            getRun: tool,
            ctx,
            call: callOf(res),
          });
          return;
        }
        const args = await requestArgs(req, url, match.route, match.params, tool.input);
        if (match.route.textMustMatchPath) checkTextMatchesPath(args.flow, match.params);
        const outcome = await callTool(tool, args, callOf(res), ctx);
        reply(res, 200, dropUndefined(outcome.structured));
      } catch (error) {
        replyError(res, error, options.log);
      }
    },
  };
}

/** A browser's request must come from this server's own pages; on loopback, by a loopback name. */
function checkBrowserHeaders(req: IncomingMessage, checks: RouteChecks): void {
  if (!checks.hostAllowed(req.headers.host)) {
    throw new ApiRequestError('HOST_NOT_ALLOWED', `Host ${req.headers.host ?? '(none)'} is not allowed on a loopback server`, {
      hint: 'call it as 127.0.0.1 or localhost',
    });
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !checks.originAllowed(origin)) {
    throw new ApiRequestError('ORIGIN_NOT_ALLOWED', `Origin ${origin} is not this server's`, {
      hint: "only the server's own pages (and origins in WEFT_ALLOWED_ORIGINS) may call the API",
    });
  }
}

async function authenticate(req: IncomingMessage, url: URL, checks: RouteChecks): Promise<McpAccess> {
  const token = bearerToken(req);
  try {
    return await checks.authenticate(token);
  } catch (error) {
    if (error instanceof WeftError && error.code !== 'STORE_UNAVAILABLE') {
      checks.refused?.({
        actor: tokenActor(token),
        tool: 'authenticate',
        errorCode: error.code,
        arguments: { reason: (error as { reason?: string }).reason ?? 'unknown', path: url.pathname, method: req.method ?? '' },
        summary: error.message,
      });
    }
    throw error;
  }
}

/** PUT /flows/{namespace}/{id}: the text must declare the flow the path names. */
function checkTextMatchesPath(text: unknown, params: Readonly<Record<string, string>>): void {
  if (typeof text !== 'string') return;
  const parsed = checkFlow(text);
  if (!parsed.valid) return;
  const problems: Array<{ path: string; message: string; hint: string }> = [];
  if (parsed.flow.namespace !== params.namespace)
    problems.push({ path: 'namespace', message: `is ${parsed.flow.namespace}, but the path names ${params.namespace}`, hint: 'make them the same' });
  if (parsed.flow.id !== params.id) problems.push({ path: 'id', message: `is ${parsed.flow.id}, but the path names ${params.id}`, hint: 'make them the same' });
  const [first] = problems;
  if (first) {
    throw new ApiRequestError('FLOW_MISMATCH', `the flow text's ${first.path} ${first.message}`, { hint: first.hint, problems });
  }
}

/** A call's signal aborts when the client goes away before its answer. */
function callOf(res: ServerResponse): ToolCall {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return { signal: controller.signal, progress: async () => undefined };
}

function notFound(path: string): ApiRequestError {
  return new ApiRequestError('NOT_FOUND', `no API route at ${path}`, { hint: `the routes are listed in ${API_PREFIX}/openapi.json` });
}

function replyError(res: ServerResponse, error: unknown, log?: (line: string) => void): void {
  const status = statusOf(error);
  if (res.headersSent) {
    res.end();
    return;
  }
  if (status === 500) {
    log?.(`api: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    reply(res, 500, { error: { code: 'INTERNAL', message: 'internal error', hint: 'retry once; if it persists, see the server log' } });
    return;
  }
  if (status === 503 || status === 429) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="weft"');
  // The rest of an oversized body is never read, so this connection cannot carry another request.
  if (status === 413) res.setHeader('connection', 'close');
  const data = errorData(error);
  const problems = error instanceof ApiRequestError ? error.problems : undefined;
  reply(res, status, { error: dropUndefined({ ...data, ...(problems ? { problems } : {}) }) });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
