// A real Weft HTTP server on loopback for the API tests: the MCP server's HTTP endpoint with the
// JSON API route, over a test environment's services (a real worker on the suite's Temporal dev
// server), with keys and the audit log in the test's store.

import { WEFT_TOOLS } from '../../mcp/build-server.js';
import type { HttpRoute } from '../../mcp/http-server.js';
import { serveMcpHttp } from '../../mcp/serve-http.js';
import type { McpServices } from '../../mcp/services.js';
import { apiRoute } from '../../src/adapters/http/api/api-handler.js';
import { FileService } from '../../src/services/files/file-service.js';
import { NamespaceFileStore } from '../../src/services/files/file-store.js';
import { keeperLink, LimitService } from '../../src/services/limits/limit-service.js';
import { LimitStore } from '../../src/services/limits/limit-store.js';
import { LogService } from '../../src/services/log-service.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import { type AuditEntry, AuditLog, type AuditQuery } from '../../src/services/security/audit-log.js';
import { AuditWriter } from '../../src/services/security/audit-writer.js';
import { createTestEnv, type TestEnv, type TestEnvOptions } from '../helpers/temporal-env.js';
import { triggerServices } from '../helpers/trigger-services.js';
import { waitFor } from '../helpers/wait-for.js';

export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `<base>/api/v1` */
  api: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  auth?: boolean;
  readOnly?: boolean;
  /** Services in place of the environment's (a store that goes away). */
  services?: Partial<McpServices>;
  keys?: ApiKeyService;
  /** Routes served after the API's (the web console). */
  routes?: HttpRoute[];
}

export interface ApiFixture {
  env: TestEnv;
  keys: ApiKeyService;
  /** Starts a server on a free loopback port; `auth` requires keys. */
  serve(options?: ServeOptions): Promise<ApiServer>;
  /** Audit entries matching `query` once `ready` holds (records are written just after the answer). */
  audited(query: AuditQuery, ready: (entries: AuditEntry[]) => boolean): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

export async function apiFixture(envOptions: TestEnvOptions = {}): Promise<ApiFixture> {
  const env = await createTestEnv(envOptions);
  const { flows, triggers, runs } = await triggerServices(env);
  const limits = new LimitService(new LimitStore(env.store), async () => keeperLink(env.client, env.taskQueue));
  const files = new FileService(new NamespaceFileStore(env.store));
  const services = { flows, runs, logs: new LogService(env.store), triggers, limits, files };
  const keys = new ApiKeyService(env.store);
  const audit = new AuditWriter(new AuditLog(env.store), () => {});
  const servers: ApiServer[] = [];
  return {
    env,
    keys,
    async serve(options = {}) {
      const served = { ...services, ...options.services };
      const http = await serveMcpHttp({
        host: '127.0.0.1',
        port: 0,
        ...(options.auth ? { auth: true } : {}),
        ...(options.readOnly ? { readOnly: true } : {}),
        keys: options.keys ?? keys,
        audit,
        services: served,
        prompts: [],
        routes: [apiRoute({ services: served, tools: WEFT_TOOLS }), ...(options.routes ?? [])],
      });
      const base = new URL(http.url).origin;
      const server = { base, api: `${base}/api/v1`, close: () => http.close() };
      servers.push(server);
      return server;
    },
    audited(query, ready) {
      return waitFor(
        `audit entries matching ${JSON.stringify(query)}`,
        async () => {
          await audit.flush();
          const { entries } = await new AuditLog(env.store).query(query);
          return ready(entries) ? entries : undefined;
        },
        5000,
        20,
      );
    },
    async close() {
      for (const server of servers) await server.close();
      await audit.flush();
      await env.close();
    },
  };
}

/** A JSON request; the answer's status and parsed body. */
export async function call(
  url: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

/** The `error` of an error answer. */
export function errorOf(answer: { body: Record<string, unknown> }): {
  code: string;
  message: string;
  hint?: string;
  problems?: Array<{ path: string; message: string }>;
} {
  return answer.body.error as { code: string; message: string; hint?: string; problems?: Array<{ path: string; message: string }> };
}
