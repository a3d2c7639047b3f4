// MCP over Streamable HTTP with Weft's security: each session gets the access of its caller.
// Without keys required (loopback), a request without a token is the local user and a request
// with one gets that key's rights; with keys required, a valid key is the only way in.

import type { PromptTemplate } from '../src/services/prompts/prompt-library.js';
import type { ApiKeyService } from '../src/services/security/api-keys.js';
import { type Refusal, RefusalAudit } from '../src/services/security/audit-refusals.js';
import type { AuditWriter } from '../src/services/security/audit-writer.js';
import { type Caller, LOCAL } from '../src/services/security/principal.js';
import { accessFor } from './access.js';
import { buildServer } from './build-server.js';
import { type HttpRoute, isLoopback, type McpHttpServer, startMcpHttpServer } from './http-server.js';
import type { McpServices } from './services.js';

export interface ServeHttpOptions {
  host: string;
  port: number;
  /** Require keys even on loopback. Off loopback they are always required. */
  auth?: boolean;
  readOnly?: boolean;
  disabledTools?: readonly string[];
  /** Web origins besides the endpoint's own that may call it (WEFT_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  keys: ApiKeyService;
  audit?: AuditWriter;
  services: McpServices;
  prompts: readonly PromptTemplate[];
  log?(line: string): void;
  /** Routes besides MCP on the same port (webhooks). */
  routes?: readonly HttpRoute[];
}

export async function serveMcpHttp(options: ServeHttpOptions): Promise<McpHttpServer> {
  const requireKeys = options.auth === true || !isLoopback(options.host);
  const access = (caller: Caller) =>
    accessFor(caller, {
      readOnly: options.readOnly,
      disabledTools: options.disabledTools,
      ...(options.audit ? { audit: { writer: options.audit, transport: 'http' as const } } : {}),
    });
  // Every request is authenticated (a revoked key stops working at once); the local user's
  // access never changes, so it is worked out once.
  const local = access(LOCAL);
  const refusals = options.audit ? new RefusalAudit(options.audit, 'http') : undefined;
  const server = await startMcpHttpServer({
    host: options.host,
    port: options.port,
    requireKeys,
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    async authenticate(token) {
      return requireKeys || token ? access(await options.keys.verify(token)) : local;
    },
    createServer: (access) => buildServer(options.services, access, options.prompts),
    ...(refusals ? { refused: (refusal: Refusal) => refusals.record(refusal) } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
  });
  return {
    url: server.url,
    async close() {
      await server.close();
      // The count of this minute's unrecorded refusals goes to the writer before it is flushed.
      refusals?.flush();
    },
  };
}
