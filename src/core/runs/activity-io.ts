// Activity payload types shared by the workflow (type-only imports) and the activities.
// They enter history: fields are only ever added, optionally.

import type { CacheOrigin, RunRights } from './run-types.js';

/** Run metadata every activity receives, for logs and output storage. */
export interface TaskContext {
  runId: string;
  /** `namespace/id` of the flow, for logs. */
  flow?: string;
  taskId: string;
  iteration?: number[];
  attempt: number;
  /** The run writes task lifecycle events: the activity writes its own `started` line at once. */
  taskEvents?: boolean;
  /**
   * The run's secret nonce: only `secret()` markers carrying it are resolved; any other marker
   * text is data and stays as it is. Absent (an attempt scheduled before nonces): none resolve.
   */
  secretNonce?: string;
}

/** `cache` of a task as its activity receives it: ttl in ms, and the rendered `key` when the task set one. */
export interface CacheRequest {
  ttlMs: number;
  key?: string;
}

/**
 * What the activity of a task with `cache` answers (http, script and module types): the task's
 * output, and where it came from when it was a hit. Tasks without `cache` get the bare output.
 */
export interface CachedAnswer<T = unknown> {
  output: T;
  cachedFrom?: CacheOrigin;
}

export interface HttpRequestInput {
  context: TaskContext;
  url: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  json?: unknown;
  body?: string;
  expectStatus?: number | string | Array<number | string>;
  responseType: 'auto' | 'json' | 'text';
  timeoutMs: number;
  /** Set for a task with `cache`: the activity answers a CachedAnswer. */
  cache?: CacheRequest;
}

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface McpCallInput {
  context: TaskContext;
  /** A server of WEFT_MCP_SERVERS, by name. */
  server: string;
  tool: string;
  /** The rendered arguments; secrets never appear here (mcp arguments take no secret()). */
  arguments: Record<string, unknown>;
  timeoutMs: number;
  /** Set for a task with `cache`: the activity answers a CachedAnswer. */
  cache?: CacheRequest;
}

export interface McpOutput {
  /** The text parts of the tool's content, joined by newlines. */
  content: string;
  /** The tool's structuredContent, or null. */
  structured: unknown;
  isError: boolean;
}

export interface ScriptInput {
  context: TaskContext;
  language: 'bash' | 'python' | 'node';
  script: string;
  env: Record<string, string>;
  workingDir?: string;
  /** Network grant: true for any host the worker's egress policy allows, or a list of hosts. Optional: added for the sandbox. */
  network?: boolean | string[];
  /** Per-task limits as written in the flow (sizes as bytes or `256Mi`, cpuTime a duration). Optional: added for the sandbox. */
  resources?: { memory?: number | string | undefined; cpuTime?: string | undefined; processes?: number | undefined; outputBytes?: number | string | undefined };
  /** pip requirements of a python script, or npm packages of a node script, installed once per set outside the sandbox. Optional: added for the sandbox. */
  dependencies?: string[];
  /** Namespace files to place read-only in the work directory: the flow's namespace and the task's `files`. Optional: added with namespace files. */
  files?: { namespace: string; paths: string[] };
  /** A container image to run the script in, with the worker's container engine. Optional: added with the container runner. */
  image?: string;
  timeoutMs: number;
  /** Set for a task with `cache`: the activity answers a CachedAnswer. */
  cache?: CacheRequest;
}

export interface ScriptOutput {
  exitCode: number;
  outputs: Record<string, unknown>;
  stdoutTail: string;
  stderrTail: string;
}

export interface LogLine {
  /** Deterministic: the same line written again (a retried write, a re-run after a crash) is stored once. */
  id: string;
  runId: string;
  flow: string;
  taskId: string;
  iteration?: number[];
  attempt: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  time: string;
}

export interface ResolveFlowInput {
  flow: string;
  revision?: number;
  /** The rights of whoever started the top run: the subflow is refused unless they allow it. */
  rights?: RunRights;
}

/** One message of an `llm` task's `messages`. */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmInput {
  context: TaskContext;
  provider: string;
  model: string;
  system?: string;
  prompt?: string;
  messages?: LlmMessage[];
  /** A prompt file of `prompts/` (by its front-matter name), filled with `promptArgs`. */
  promptTemplate?: string;
  promptArgs?: Record<string, unknown>;
  responseSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
  /** `cache: { ttl }` of the task, in ms, as runs scheduled before `cache` asked for it. */
  cacheTtlMs?: number;
  /** `cache` of the task: a hit answers with `cached` and `cachedFrom` set. */
  cache?: CacheRequest;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  /** Estimated USD, when the price table knows the model. */
  costUsd?: number;
}

export interface LlmOutput {
  text: string;
  json: unknown;
  usage: LlmUsage;
  model: string;
  finishReason: string;
  /** Served from the cache: no provider call, no cost. */
  cached?: boolean;
  /** Where the cached answer came from (absent on answers cached before the task cache). */
  cachedFrom?: CacheOrigin;
}

/** A task of a type registered from TypeScript, its fields rendered (secrets still markers). */
export interface CustomTaskInput {
  context: TaskContext;
  type: string;
  config: Record<string, unknown>;
  timeoutMs: number;
  /** Set for a task with `cache`: the activity answers a CachedAnswer. */
  cache?: CacheRequest;
}

/** A subflow with `cache`: what identifies its outcome (the rendered inputs and the revision run). */
export interface SubflowCacheQuery {
  context: TaskContext;
  cache: CacheRequest;
  config: { flow: string; revision: number; inputs: Record<string, unknown> };
}

/** Stores a subflow's outcome under the key of its SubflowCacheQuery. */
export interface SubflowCacheEntry extends SubflowCacheQuery {
  output: unknown;
}
