// The Streamable HTTP endpoint: one MCP session per client (so progress notifications and
// elicitation reach it; see http-session-transport.ts), each with the access its bearer key
// grants. Loopback binds may run without keys; any other bind refuses to start without them.
// A web page cannot reach the server through DNS rebinding: the Origin header of a browser's
// request must be the server's own or an allowed one, and on loopback the Host header too.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { API_PREFIX } from '../src/adapters/http/api/api-routes.js';
import { HOOKS_PREFIX } from '../src/adapters/http/webhook-route.js';
import { ConfigError, WeftError } from '../src/core/errors.js';
import { ALLOWED_ORIGINS_VARIABLE } from '../src/services/security/allowed-origins.js';
import type { Refusal } from '../src/services/security/audit-refusals.js';
import { observeRequest } from '../src/services/telemetry/request-telemetry.js';
import type { McpAccess } from './access.js';
import { header, INVALID_REQUEST, isErrorAnswer, type PostMessages, readMessages, replyError } from './http-messages.js';
import { HttpSessionTransport } from './http-session-transport.js';
import { invalidParams } from './protocol-errors.js';
import { GuardedTransport } from './request-guard.js';

/** Largest request body accepted (a flow document is at most 1 MiB; JSON-RPC adds little). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Sessions idle this long are closed. */
const SESSION_IDLE_MS = 30 * 60 * 1000;

export interface McpHttpOptions {
  host: string;
  port: number;
  /** Path of the MCP endpoint. */
  path?: string;
  /** Whether requests must carry a valid bearer key (always true off loopback). */
  requireKeys: boolean;
  /** Web origins besides the server's own whose pages may call it (normalised, as `URL.origin`). */
  allowedOrigins?: readonly string[];
  /** Access of a request: from its bearer token when keys are required, local access otherwise. */
  authenticate(token: string | undefined): Promise<McpAccess>;
  /** Builds the server of one session. */
  createServer(access: McpAccess): McpServer;
  /** Told of each refused request (token, session, tool out of scope), for the audit log. */
  refused?(refusal: Refusal): void;
  log?(line: string): void;
  /**
   * Other routes served on the same port, by path prefix, before any MCP check: they
   * authenticate requests themselves (webhooks carry their trigger's signature or token).
   */
  routes?: readonly HttpRoute[];
}

/** A handler of every request whose path starts with `prefix` (and passes `matches`, when given). */
export interface HttpRoute {
  prefix: string;
  /** A finer test than the prefix, for a route at `/` that must leave /mcp alone (the console). */
  matches?(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, checks: RouteChecks): Promise<void>;
}

/** The server's own checks, for routes that authenticate like MCP (the JSON API). */
export interface RouteChecks {
  /** Whether a browser's `Origin` is this server's own or an allowed one. */
  originAllowed(origin: string): boolean;
  /** Whether the `Host` header is acceptable: on a loopback bind, only a loopback name. */
  hostAllowed(host: string | undefined): boolean;
  /** Access of a bearer token (or of none), as for an MCP session; throws to refuse. */
  authenticate(token: string | undefined): Promise<McpAccess>;
  /** Told of each refused request, for the audit log. */
  refused?(refusal: Refusal): void;
}

export interface McpHttpServer {
  url: string;
  close(): Promise<void>;
}

interface Session {
  transport: HttpSessionTransport;
  server: McpServer;
  token: string | undefined;
  /** Who opened it, as the audit log names callers. */
  caller: string;
  lastSeen: number;
}

/** The MCP HTTP port is taken: said with the port and how to choose another, not as a bare EADDRINUSE. */
export class McpPortInUseError extends WeftError {
  constructor(host: string, port: number) {
    super('MCP_PORT_IN_USE', `the MCP HTTP port ${port} on ${host} is already in use: another process listens there`, {
      hint: 'choose another port (weft mcp --http --port P, weft dev or weft server --mcp-port P), or stop the process that holds it',
    });
  }
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

export async function startMcpHttpServer(options: McpHttpOptions): Promise<McpHttpServer> {
  if (!isLoopback(options.host) && !options.requireKeys) {
    throw new ConfigError(
      `binding MCP over HTTP to ${options.host} requires API keys`,
      'create one with `weft apikey create --scope run` and drop --no-auth, or bind to 127.0.0.1',
    );
  }
  const path = options.path ?? '/mcp';
  const sessions = new Map<string, Session>();
  const allowedOrigins: ReadonlySet<string> = new Set(options.allowedOrigins ?? []);
  /** The port listened on, once known (a request cannot come before). */
  let boundPort = options.port;
  const http: Server = createServer((req, res) => {
    observeRequest(req, res, routeLabel(req.url), () => handle(req, res)).catch((error: unknown) => {
      options.log?.(`mcp http: ${(error as Error).message}`);
      if (!res.headersSent) replyError(res, 500, -32603, 'internal error');
    });
  });

  /** The route a request's metrics and span are labelled with: MCP, the JSON API and webhooks (which start runs). */
  function routeLabel(target: string | undefined): string | undefined {
    const pathname = (target ?? '/').split('?')[0] ?? '/';
    if (pathname === path) return 'mcp';
    if (pathname.startsWith(HOOKS_PREFIX)) return 'hooks';
    return pathname.startsWith(`${API_PREFIX}/`) ? 'api' : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    const route = options.routes?.find((r) => url.pathname.startsWith(r.prefix) && (r.matches?.(url.pathname) ?? true));
    if (route) {
      await route.handle(req, res, checks);
      return;
    }
    if (url.pathname !== path) {
      replyError(res, 404, -32000, `not found; the MCP endpoint is ${path}`);
      return;
    }
    const origin = header(req, 'origin');
    if (origin !== undefined && !originAllowed(origin)) {
      replyError(res, 403, -32000, `Forbidden: Origin ${origin} is not this server's; allow a web client's origin with ${ALLOWED_ORIGINS_VARIABLE}`);
      return;
    }
    if (isLoopback(options.host) && !hostAllowed(req.headers.host)) {
      replyError(res, 403, -32000, 'host header not allowed');
      return;
    }
    const token = bearerToken(req);
    let access: McpAccess;
    try {
      access = await options.authenticate(token);
    } catch (error) {
      if (error instanceof WeftError && error.code === 'STORE_UNAVAILABLE') {
        // Not a refusal: the keys cannot be read right now. Clients retry a 503.
        res.setHeader('retry-after', '5');
        replyError(res, 503, -32002, `${error.message} (${error.hint})`);
        return;
      }
      const message = error instanceof WeftError ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : 'unauthorized';
      options.refused?.({
        actor: tokenActor(token),
        tool: 'authenticate',
        errorCode: error instanceof WeftError ? error.code : 'UNAUTHORIZED',
        arguments: { reason: (error as { reason?: string }).reason ?? 'unknown', path: url.pathname, method: req.method ?? '' },
        summary: error instanceof WeftError ? error.message : 'unauthorized',
      });
      res.setHeader('www-authenticate', 'Bearer realm="weft"');
      replyError(res, 401, -32001, message);
      return;
    }
    const sessionId = header(req, 'mcp-session-id');
    const post = req.method === 'POST' ? await readPost(req, res) : undefined;
    if (post === INVALID) return;
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) {
        replyError(res, 404, -32001, 'unknown or expired session; initialize a new one');
        return;
      }
      // A session belongs to the key that opened it.
      if (session.token !== token) {
        options.refused?.({
          actor: access.caller,
          tool: 'session',
          errorCode: 'SESSION_KEY_MISMATCH',
          arguments: { sessionOwner: session.caller },
          summary: `a session opened by ${session.caller} was used by ${access.caller}`,
        });
        replyError(res, 403, -32001, 'this session was opened with another API key');
        return;
      }
      session.lastSeen = Date.now();
      if (post) recordOutOfScopeCalls(access, post.messages);
      await session.transport.handleRequest(req, res, post);
      return;
    }
    if (!post || !opensSession(post, res)) return;
    const server = options.createServer(access);
    const transport: HttpSessionTransport = new HttpSessionTransport({
      newSessionId: () => randomUUID(),
      onSessionInitialized: (id) => {
        sessions.set(id, { transport, server, token, caller: access.caller, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(new GuardedTransport(transport));
    await transport.handleRequest(req, res, post);
  }

  /** Whether a POST without a session is an initialize request that may open one; answers it if not. */
  function opensSession(post: PostMessages, res: ServerResponse): boolean {
    const initialize = post.messages.find((m) => 'method' in m && m.method === 'initialize' && 'id' in m);
    if (!initialize) {
      replyError(res, 400, -32000, 'no session: send an initialize request first (without mcp-session-id)');
      return false;
    }
    if (post.batch) {
      replyError(res, 400, INVALID_REQUEST, 'Invalid Request: an initialize request must not be part of a batch');
      return false;
    }
    const problem = invalidParams(initialize as { method: string; params?: unknown });
    if (problem) {
      replyError(res, 400, ErrorCode.InvalidParams, problem, (initialize as { id: string | number }).id);
      return false;
    }
    return true;
  }

  /**
   * Records calls of tools the caller may not see (beyond its scope, disabled, or mutating in
   * read-only mode); the session answers them itself, as calls of unknown tools.
   */
  function recordOutOfScopeCalls(access: McpAccess, messages: readonly JSONRPCMessage[]): void {
    if (!options.refused) return;
    for (const message of messages) {
      const call = message as { method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null;
      if (call?.method !== 'tools/call' || typeof call.params?.name !== 'string' || access.toolVisible(call.params.name)) continue;
      options.refused({
        actor: access.caller,
        tool: call.params.name,
        errorCode: 'TOOL_NOT_ALLOWED',
        arguments: call.params.arguments ?? {},
        summary: `${call.params.name} is not available to ${access.caller}`,
      });
    }
  }

  /**
   * A browser names the calling page's origin; a page whose DNS name was rebound to this address
   * carries its own. Allowed: the bound address (on loopback, any loopback name at the bound
   * port, all of which are this server) and the configured list.
   */
  function originAllowed(origin: string): boolean {
    if (allowedOrigins.has(origin)) return true;
    if (!URL.canParse(origin)) return false;
    const url = new URL(origin);
    if (url.origin !== origin || url.protocol !== 'http:' || Number(url.port || 80) !== boundPort) return false;
    const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return name === options.host || (isLoopback(options.host) && isLoopback(name));
  }

  function hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : (host.split(':')[0] ?? '');
    return isLoopback(name);
  }

  const checks: RouteChecks = {
    originAllowed,
    hostAllowed: (host) => !isLoopback(options.host) || hostAllowed(host),
    authenticate: options.authenticate,
    ...(options.refused ? { refused: options.refused } : {}),
  };

  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) {
      if (now - session.lastSeen > SESSION_IDLE_MS) {
        sessions.delete(id);
        void session.transport.close();
      }
    }
  }, 60_000);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new McpPortInUseError(options.host, options.port) : error));
    http.listen(options.port, options.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  boundPort = address.port;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    async close() {
      clearInterval(sweeper);
      for (const session of sessions.values()) await session.transport.close().catch(() => undefined);
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const INVALID = Symbol('invalid body');

/**
 * A POST's body as JSON-RPC messages, once its headers say it is JSON from a client that takes
 * both answer forms; each refusal is answered here.
 */
async function readPost(req: IncomingMessage, res: ServerResponse): Promise<PostMessages | typeof INVALID> {
  const accept = header(req, 'accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    replyError(res, 406, -32000, 'Not Acceptable: the Accept header must list application/json and text/event-stream');
    return INVALID;
  }
  if (!isJsonContentType(header(req, 'content-type'))) {
    replyError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    return INVALID;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      // The rest of the body is never read, so this connection cannot carry another request.
      res.setHeader('connection', 'close');
      replyError(res, 413, INVALID_REQUEST, `request body over ${MAX_BODY_BYTES} bytes`);
      return INVALID;
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    replyError(res, 400, ErrorCode.ParseError, 'Parse error: the request body is not valid JSON');
    return INVALID;
  }
  const read = readMessages(body);
  if (isErrorAnswer(read)) {
    replyError(res, 400, read.error.code, read.error.message, read.id);
    return INVALID;
  }
  return read;
}

/** A media type check, not a substring one: `application/json; charset=utf-8` passes, `application/jsonp` does not. */
function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * How a refused token is named in the audit log: by the display prefix a real key would have, so
 * a revoked or mistyped key can be traced; anything else is `anonymous`, never the token itself.
 */
export function tokenActor(token: string | undefined): string {
  return token && /^weft_[A-Za-z0-9_-]{43}$/.test(token) ? `key:${token.slice(0, 13)}` : 'anonymous';
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const value = header(req, 'authorization');
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}
