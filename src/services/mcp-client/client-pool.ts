// One MCP client per configured server per process, through the official SDK: connected on first
// use, reused by every call, connected again when the server process exits or the HTTP session
// breaks. Each server has its own concurrency limit and call timeout; its tool list is cached
// until the server says it changed or the connection is renewed. The `mcp` task's activity,
// validation and the task catalog use it; an agent's tool calls can use the same pool.

import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type CallToolResult, ErrorCode, McpError, type Tool, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { WEFT_VERSION } from '../config/version.js';
import { ConcurrencyLimit } from '../llm/concurrency-limit.js';
import { Redactor } from '../secrets/redactor.js';
import { SecretNotFoundError, type SecretSource } from '../secrets/secret-source.js';
import { McpCallError, McpServerNotConfiguredError } from './mcp-errors.js';
import { CONFIG_SECRET_PATTERN, type McpServerConfig, type McpServerConfigs } from './server-config.js';

/** Longest a connection (process start and initialize) may take. */
const CONNECT_TIMEOUT_MS = 20_000;
/** Times one call is sent again on a fresh connection after the old one broke under it. */
const MAX_RECONNECTS = 2;
/** How long a call whose connection broke waits for its server to take connections again (a restart). */
const RECONNECT_WINDOW_MS = 20_000;
const RECONNECT_PAUSE_MS = 250;
/** Most tools read from one server (pages of tools/list followed). */
const MAX_TOOLS = 1000;
/** Bytes of a stdio server's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 2000;

/** A tool as the pool reports it. */
export type McpTool = Pick<Tool, 'name' | 'description' | 'inputSchema' | 'outputSchema'>;

/** What validation and the catalog ask of the configured servers. */
export interface McpServerCatalog {
  /** The configured server names, sorted. */
  names(): string[];
  /** The server's tools (cached); throws McpCallError (McpConnectionError) when it cannot be reached. */
  tools(server: string, options?: { timeoutMs?: number }): Promise<McpTool[]>;
}

export interface McpCallOptions {
  signal?: AbortSignal;
  /** Longest the call may take, in ms; the server's own `timeout` wins when shorter. */
  timeoutMs: number;
  /** Called on each progress notification of the call. */
  onProgress?: () => void;
}

/** What one server's link did, for logs and tests. */
export interface McpServerStats {
  /** Connections made so far (the first one included). */
  connects: number;
  /** Calls running now. */
  inFlight: number;
  /** Progress notifications received. */
  progress: number;
  /** The stdio server's process id, while connected. */
  pid?: number;
}

interface Connection {
  client: Client;
  transport: Transport;
  /** Set when the transport closed (a stdio server exited): the next use connects again. */
  closed: boolean;
  tools?: Promise<McpTool[]>;
  stderr: { tail: string };
}

/** One configured server: its current connection (if any), its limit, its secret values. */
class ServerLink {
  private current: Promise<Connection> | undefined;
  readonly stats: McpServerStats = { connects: 0, inFlight: 0, progress: 0 };
  /** The secret values this server's env or headers resolved to, redacted from all it returns. */
  readonly secretValues = new Set<string>();

  constructor(
    readonly name: string,
    readonly config: McpServerConfig,
    private readonly secrets: SecretSource,
  ) {}

  get redactor(): Redactor {
    return new Redactor(this.secretValues);
  }

  connection(): Promise<Connection> {
    const existing = this.current;
    if (existing) return existing;
    const opening = this.open();
    this.current = opening;
    // A failed connect is forgotten at once, so the next call tries again.
    opening.catch(() => {
      if (this.current === opening) this.current = undefined;
    });
    return opening;
  }

  /** Drops a broken connection (if still the current one) and closes it. */
  drop(connection: Connection): void {
    connection.closed = true;
    // A connection still opening may fail: that is the opener's to report, not an unhandled rejection.
    void this.current?.then(
      (c) => {
        if (c === connection) this.current = undefined;
      },
      () => undefined,
    );
    connection.client.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const current = await this.current?.catch(() => undefined);
    this.current = undefined;
    await current?.client.close().catch(() => undefined);
  }

  private async open(): Promise<Connection> {
    const stderr = { tail: '' };
    const transport = await this.transport(stderr);
    const client = new Client({ name: 'weft', version: WEFT_VERSION }, { capabilities: {} });
    const connection: Connection = { client, transport, closed: false, stderr };
    client.onclose = () => {
      connection.closed = true;
      void this.current?.then(
        (c) => {
          if (c === connection) this.current = undefined;
        },
        () => undefined,
      );
    };
    // A Streamable HTTP response stream that broke under a call leaves the call waiting for an
    // answer that cannot come (the SDK resumes only streams the server made resumable, and a
    // server that restarted has lost them): the link counts as broken and the call is sent again.
    client.onerror = (error) => {
      if (this.config.transport === 'http' && /^SSE stream disconnected/.test(error.message)) this.drop(connection);
    };
    // The server changed its tools: the next validation or call reads them again.
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      connection.tools = undefined;
    });
    this.stats.connects++;
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new McpCallError(
        'McpConnectionError',
        this.redactor.text(`MCP server "${this.name}" could not be connected: ${describe(error)}${stderrOf(connection)}`),
        {
          hint:
            this.config.transport === 'stdio'
              ? 'check the command, args and cwd of the server in WEFT_MCP_SERVERS'
              : 'check the url, headers and that the server is up',
        },
      );
    }
    if (transport instanceof StdioClientTransport && transport.pid !== null) this.stats.pid = transport.pid;
    return connection;
  }

  private async transport(stderr: { tail: string }): Promise<Transport> {
    const { config } = this;
    if (config.transport === 'stdio') {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args,
        // A minimal environment plus the configured variables: never the worker's own secrets or keys.
        env: { ...getDefaultEnvironment(), ...(await this.resolve(config.env)) },
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'pipe',
      });
      (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => {
        stderr.tail = (stderr.tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      });
      return transport;
    }
    return new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers: await this.resolve(config.headers) } });
  }

  /** Env or header values with their `{{ secret('NAME') }}` replaced by global secrets. */
  private async resolve(values: Record<string, string>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      const names = [...value.matchAll(CONFIG_SECRET_PATTERN)].map((m) => m[2] ?? '');
      const found = new Map<string, string>();
      for (const name of names) {
        const secret = await this.secrets.get(name);
        if (secret === undefined) throw new SecretNotFoundError(name);
        found.set(name, secret);
        this.secretValues.add(secret);
      }
      out[key] = value.replace(CONFIG_SECRET_PATTERN, (_m, _q, name: string) => found.get(name) ?? '');
    }
    return out;
  }
}

export class McpClientPool implements McpServerCatalog {
  private readonly links = new Map<string, ServerLink>();
  private readonly limit = new ConcurrencyLimit();

  /** `secrets`: where `secret()` in env and headers resolve (global secrets only: a server serves every namespace). */
  constructor(
    private readonly servers: McpServerConfigs,
    private readonly secrets: SecretSource,
  ) {}

  names(): string[] {
    return Object.keys(this.servers).sort();
  }

  /** The server's configuration without env or header values (those may hold secrets). */
  describe(server: string): { name: string; transport: 'stdio' | 'http'; concurrency: number; timeoutMs?: number } {
    const config = this.link(server).config;
    return { name: server, transport: config.transport, concurrency: config.concurrency, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) };
  }

  stats(server: string): McpServerStats {
    return { ...this.link(server).stats };
  }

  /** A redactor of the secret values the server's configuration resolved to. */
  redactor(server: string): Redactor {
    return this.link(server).redactor;
  }

  async tools(server: string, options: { timeoutMs?: number } = {}): Promise<McpTool[]> {
    const link = this.link(server);
    for (let round = 0; ; round++) {
      const connection = await link.connection();
      connection.tools ??= listTools(connection.client, options.timeoutMs ?? CONNECT_TIMEOUT_MS);
      const pending = connection.tools;
      try {
        return await pending;
      } catch (error) {
        if (connection.tools === pending) connection.tools = undefined;
        if (!brokenLink(error, connection)) throw failure(link, error, `listing the tools of MCP server "${server}"`);
        link.drop(connection);
        if (round >= MAX_RECONNECTS) throw failure(link, error, `listing the tools of MCP server "${server}"`);
      }
    }
  }

  /**
   * Calls a tool under the server's concurrency limit. A connection that breaks under the call (the
   * server process died, the HTTP session is gone) is renewed and the call sent again, up to
   * MAX_RECONNECTS times, within this one call.
   */
  async callTool(server: string, tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<CallToolResult> {
    const link = this.link(server);
    const timeout = Math.min(options.timeoutMs, link.config.timeoutMs ?? Number.POSITIVE_INFINITY);
    return this.limit.run(server, link.config.concurrency, async () => {
      let brokeAt: number | undefined;
      for (let round = 0; ; round++) {
        const connection = await (brokeAt === undefined ? link.connection() : reconnect(link, brokeAt));
        link.stats.inFlight++;
        try {
          return (await connection.client.callTool({ name: tool, arguments: args }, undefined, {
            timeout,
            ...(options.signal ? { signal: options.signal } : {}),
            onprogress: () => {
              link.stats.progress++;
              options.onProgress?.();
            },
          })) as CallToolResult;
        } catch (error) {
          if (options.signal?.aborted) throw error;
          if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
            throw new McpCallError('McpTimeoutError', `MCP tool ${server}/${tool} did not answer within ${timeout} ms`);
          }
          if (!brokenLink(error, connection)) throw failure(link, error, `MCP tool ${server}/${tool}`);
          link.drop(connection);
          if (round >= MAX_RECONNECTS) throw failure(link, error, `MCP tool ${server}/${tool}`);
          brokeAt ??= Date.now();
        } finally {
          link.stats.inFlight--;
        }
      }
    });
  }

  /** Closes every connection (stdio servers exit). */
  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.close()));
  }

  private link(server: string): ServerLink {
    const existing = this.links.get(server);
    if (existing) return existing;
    const config = Object.hasOwn(this.servers, server) ? this.servers[server] : undefined;
    if (!config) throw new McpServerNotConfiguredError(server, this.names());
    const link = new ServerLink(server, config, this.secrets);
    this.links.set(server, link);
    return link;
  }
}

/**
 * A new connection after one broke under a call: a server being restarted refuses connections
 * for a moment, so connecting is tried again until RECONNECT_WINDOW_MS after the break.
 */
async function reconnect(link: ServerLink, brokeAt: number): Promise<Connection> {
  for (;;) {
    try {
      return await link.connection();
    } catch (error) {
      if (Date.now() - brokeAt >= RECONNECT_WINDOW_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MS));
    }
  }
}

async function listTools(client: Client, timeoutMs: number): Promise<McpTool[]> {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, { timeout: timeoutMs });
    for (const tool of page.tools) {
      tools.push({
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema !== undefined ? { outputSchema: tool.outputSchema } : {}),
      });
    }
    cursor = page.nextCursor;
  } while (cursor && tools.length < MAX_TOOLS);
  return tools.slice(0, MAX_TOOLS);
}

/**
 * Whether an error means the connection itself is gone, not that the server refused the request:
 * the transport closed (stdio server exited), or an HTTP exchange failed below MCP (network,
 * a session the server no longer knows).
 */
function brokenLink(error: unknown, connection: Connection): boolean {
  if (connection.closed) return true;
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return !(error instanceof McpCallError);
}

/** A typed failure: McpConnectionError for a broken link, McpToolError for a protocol error; redacted. */
function failure(link: ServerLink, error: unknown, what: string): McpCallError {
  if (error instanceof McpCallError || error instanceof SecretNotFoundError) return error as McpCallError;
  const redactor = link.redactor;
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
    return new McpCallError('McpToolError', redactor.text(`${what} failed: ${error.message}`));
  }
  return new McpCallError('McpConnectionError', redactor.text(`${what} failed: the connection broke (${describe(error)})`), {
    hint: `the server "${link.name}" was reconnected ${MAX_RECONNECTS} times without success`,
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (cause?.code ?? cause?.message) ? `${error.message}: ${cause?.code ?? cause?.message}` : error.message;
}

function stderrOf(connection: Connection): string {
  const tail = connection.stderr.tail.trim();
  return tail ? `; its stderr ended with: ${tail.slice(-500)}` : '';
}
