// Real MCP clients (the SDK's `Client`) talking to a real `weft mcp` process: over stdio, the
// way desktop assistants launch it, or over Streamable HTTP.

import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, type ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { freePort } from './free-port.js';
import { createTestEnv, type TestEnv } from './temporal-env.js';
import { waitFor } from './wait-for.js';

export const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

/** Environment for a `weft` process sharing the test's store, task queue and Temporal server. */
export function weftEnv(env: TestEnv, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    WEFT_DATA_DIR: env.dataDir,
    WEFT_TASK_QUEUE: env.taskQueue,
    WEFT_LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface StdioSession {
  client: Client;
  stderr: () => string;
  close(): Promise<void>;
}

export async function connectStdio(
  env: TestEnv,
  args: string[] = [],
  options: ClientOptions = {},
  extraEnv: Record<string, string> = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [WEFT_BIN, 'mcp', ...args], env: weftEnv(env, extraEnv), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'weft-test', version: '1.0.0' }, options);
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface HttpMcpServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  connect(options?: ClientOptions, token?: string): Promise<Client>;
  stop(): Promise<void>;
}

/** Starts `weft mcp --http` on a free port and waits until it answers. */
export async function startHttpMcp(env: TestEnv, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<HttpMcpServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [WEFT_BIN, 'mcp', '--http', '--port', String(port), ...args], {
    env: weftEnv(env, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    `weft mcp --http on ${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`weft mcp exited: ${output}`);
      return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok ? true : undefined;
    },
    30_000,
  );
  const clients: Client[] = [];
  return {
    url: `${base}/mcp`,
    child,
    output: () => output,
    async connect(options = {}, token) {
      const transport = new StreamableHTTPClientTransport(
        new URL(`${base}/mcp`),
        token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
      );
      const client = new Client({ name: 'weft-test', version: '1.0.0' }, options);
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) await client.close().catch(() => undefined);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Structured content of a successful call, failing the test with the error text otherwise. */
export function structured<T = Record<string, unknown>>(result: CallToolResult | Record<string, unknown>): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool failed: ${textOf(r)}`);
  return r.structuredContent as T;
}

export function textOf(result: CallToolResult | Record<string, unknown>): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/**
 * Runs the same tests over stdio and over Streamable HTTP, each with its own `weft mcp` process
 * against one test environment (a real worker). `behaviour` registers the tests: it gets a
 * connect function and the transport's name (for namespaces that keep the two apart).
 */
export function describeOverBothTransports(title: string, behaviour: (connect: () => Promise<Client>, transport: 'stdio' | 'http') => void): void {
  describe(title, () => {
    let env: TestEnv;
    let stdio: StdioSession | undefined;
    let http: HttpMcpServer | undefined;
    before(async () => {
      env = await createTestEnv();
    });
    after(async () => {
      await stdio?.close();
      await http?.stop();
      await env?.close();
    });
    describe('over stdio', () =>
      behaviour(async () => {
        stdio = await connectStdio(env);
        return stdio.client;
      }, 'stdio'));
    describe('over Streamable HTTP', () =>
      behaviour(async () => {
        http = await startHttpMcp(env);
        return http.connect();
      }, 'http'));
  });
}
