// WEFT_MCP_SERVERS: the MCP servers `mcp` tasks may call, configured by the operator (never by a
// flow). JSON, or the path of a JSON file, mapping a name to a stdio server `{ command, args?,
// env?, cwd? }` or a Streamable HTTP server `{ url, headers? }`, each with an optional
// `concurrency` and `timeout`. Values of `env` and `headers` may hold `{{ secret('NAME') }}`,
// resolved from the global secrets when the server is connected, never before.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseDuration } from '../../core/spec/duration.js';
import { MCP_SERVER_NAME } from '../../core/task-types/mcp.js';

/** Most servers one configuration may name. */
const MAX_SERVERS = 100;
/** Largest WEFT_MCP_SERVERS text (or file) read, in bytes. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Calls one server handles at once unless its `concurrency` says otherwise. */
export const DEFAULT_MCP_CONCURRENCY = 8;

/** `{{ secret('NAME') }}` inside an env or header value: the only template these values take. */
export const CONFIG_SECRET_PATTERN = /\{\{\s*secret\(\s*(['"])([A-Za-z0-9_]{1,128})\1\s*\)\s*\}\}/g;

interface ServerCommon {
  /** Most calls at once on this server, per process (default DEFAULT_MCP_CONCURRENCY). */
  concurrency: number;
  /** Longest one call may take, in ms; undefined: the task's own timeout. */
  timeoutMs?: number;
}

export interface StdioServerConfig extends ServerCommon {
  transport: 'stdio';
  command: string;
  args: string[];
  /** Variables for the server process, over a minimal default environment; values may hold secret markers. */
  env: Record<string, string>;
  cwd?: string;
}

export interface HttpServerConfig extends ServerCommon {
  transport: 'http';
  url: string;
  /** Request headers; values may hold secret markers. */
  headers: Record<string, string>;
}

export type McpServerConfig = StdioServerConfig | HttpServerConfig;

/** The configured servers by name (empty when WEFT_MCP_SERVERS is unset). */
export type McpServerConfigs = Readonly<Record<string, McpServerConfig>>;

const SecretText = z
  .string()
  .max(16 * 1024)
  .refine((value) => !value.replace(CONFIG_SECRET_PATTERN, '').includes('{{'), {
    message: "may hold {{ secret('NAME') }} and no other template",
  });
const Common = {
  concurrency: z.number().int().min(1).max(1000).optional(),
  timeout: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, { message: 'must be a duration such as 30s or 5m' })
    .optional(),
};
const StdioServer = z.strictObject({
  command: z.string().min(1).max(4096),
  args: z
    .array(z.string().max(16 * 1024))
    .max(500)
    .optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name'), SecretText).optional(),
  cwd: z.string().min(1).max(4096).optional(),
  ...Common,
});
const HttpServer = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'must be an HTTP header name'), SecretText).optional(),
  ...Common,
});

/**
 * Parses WEFT_MCP_SERVERS (JSON text, or the path of a JSON file). A bad value throws a
 * ConfigError naming the field, e.g. `WEFT_MCP_SERVERS.github.headers.Authorization`.
 */
export function parseMcpServers(value: string | undefined): McpServerConfigs {
  if (value === undefined || value.trim() === '') return {};
  const text = value.trim().startsWith('{') ? value : readConfigFile(value.trim());
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new ConfigError(`WEFT_MCP_SERVERS is larger than ${MAX_CONFIG_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `WEFT_MCP_SERVERS is not valid JSON: ${(error as Error).message}`,
      'a JSON object mapping server names to { command, args?, env? } or { url, headers? }',
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError('WEFT_MCP_SERVERS must be a JSON object mapping server names to servers', '{"files": {"command": "npx", "args": ["my-server"]}}');
  }
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length > MAX_SERVERS) throw new ConfigError(`WEFT_MCP_SERVERS names ${entries.length} servers; the limit is ${MAX_SERVERS}`);
  const out: Record<string, McpServerConfig> = {};
  for (const [name, raw] of entries) {
    if (!MCP_SERVER_NAME.test(name)) {
      throw new ConfigError(`WEFT_MCP_SERVERS has a server named "${name.slice(0, 80)}": a name is a letter, then up to 63 letters, digits, _ or -`);
    }
    out[name] = parseServer(name, raw);
  }
  return out;
}

function parseServer(name: string, raw: unknown): McpServerConfig {
  const at = `WEFT_MCP_SERVERS.${name}`;
  const isObject = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  const hasCommand = isObject && 'command' in raw;
  const hasUrl = isObject && 'url' in raw;
  if (!isObject || hasCommand === hasUrl) {
    throw new ConfigError(`${at} must be an object with either command (a stdio server) or url (a Streamable HTTP server)`);
  }
  const schema: z.ZodType = hasCommand ? StdioServer : HttpServer;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    const allowed = hasCommand ? 'command, args, env, cwd, concurrency, timeout' : 'url, headers, concurrency, timeout';
    throw new ConfigError(
      `${at}${path ? `.${path}` : ''} ${issue?.message ?? 'is invalid'}`,
      `a ${hasCommand ? 'stdio' : 'Streamable HTTP'} server takes ${allowed}`,
    );
  }
  const data = parsed.data as z.infer<typeof StdioServer> & z.infer<typeof HttpServer>;
  const common: ServerCommon = {
    concurrency: data.concurrency ?? DEFAULT_MCP_CONCURRENCY,
    ...(data.timeout !== undefined ? { timeoutMs: parseDuration(data.timeout) ?? 0 } : {}),
  };
  if (hasCommand) {
    return { transport: 'stdio', command: data.command, args: data.args ?? [], env: data.env ?? {}, ...(data.cwd ? { cwd: data.cwd } : {}), ...common };
  }
  return { transport: 'http', url: data.url, headers: data.headers ?? {}, ...common };
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `WEFT_MCP_SERVERS is neither JSON nor a readable file: ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'set it to a JSON object, or to the path of a file holding one',
    );
  }
}

/** The secret names a server's env and headers refer to. */
export function secretNamesOf(server: McpServerConfig): string[] {
  const values = Object.values(server.transport === 'stdio' ? server.env : server.headers);
  return [...new Set(values.flatMap((v) => [...v.matchAll(CONFIG_SECRET_PATTERN)].map((m) => m[2] ?? '')))];
}
