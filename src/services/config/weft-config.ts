// Weft's configuration: everything it reads from the environment and a command's flags, read
// and checked once here, at the edge, into one object that is passed down. Nothing else reads
// Weft's variables, and nothing passes a value on by writing process.env.

import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { type LlmSettings, loadLlmSettings } from '../llm/provider-config.js';
import { logRetentionDays } from '../log-service.js';
import { type LoggerSettings, loadLoggerSettings } from '../logging/logger.js';
import { type McpServerConfigs, parseMcpServers } from '../mcp-client/server-config.js';
import { type SecretSource, secretsFromEnv } from '../secrets/secret-source.js';
import { parseAllowedOrigins } from '../security/allowed-origins.js';
import { type HostAllowList, hostAllowListFromEnv } from '../security/host-allow-list.js';
import { loadTelemetrySettings, type TelemetrySettings } from '../telemetry/telemetry-settings.js';
import { type ConnectionSettings, loadConnectionSettings } from '../temporal/connection-settings.js';
import { parseDynamicConfigOverrides } from '../temporal/dev-server-config.js';
import { cacheDir, dataDir } from './paths.js';
import { loadScriptSettings, type ScriptSettings } from './script-settings.js';
import { DEFAULT_TASK_QUEUE } from './task-queue.js';

/** How script tasks run: in the bubblewrap sandbox, or as plain processes (the operator's explicit choice). */
export const SCRIPT_RUNNERS = ['sandbox', 'process'] as const;
export type ScriptRunnerKind = (typeof SCRIPT_RUNNERS)[number];
/** `bubblewrap`, the sandbox's earlier name, is still read as `sandbox`. */
const ScriptRunner = z.enum([...SCRIPT_RUNNERS, 'bubblewrap']).transform((kind): ScriptRunnerKind => (kind === 'bubblewrap' ? 'sandbox' : kind));

/** Seconds a command waits for Temporal to answer unless told otherwise. */
export const DEFAULT_TEMPORAL_WAIT_SECONDS = 15;
/** Where the Temporal Web UI is assumed to be when nothing says otherwise. */
export const DEFAULT_UI_URL = 'http://127.0.0.1:8233';

/** The flags that stand for a variable; a flag wins over its variable. */
export interface ConfigFlags {
  /** `--data-dir` (WEFT_DATA_DIR). */
  dataDir?: string | undefined;
  /** `--temporal-wait` (WEFT_TEMPORAL_WAIT_SECONDS), as typed. */
  temporalWait?: string | undefined;
  /** `--task-queue` (WEFT_TASK_QUEUE). */
  taskQueue?: string | undefined;
}

export interface TemporalConfig {
  /** Address, namespace, TLS and API key in Temporal's own conventions (TEMPORAL_*, envconfig profiles). */
  connection: ConnectionSettings;
  /** Whether TEMPORAL_ADDRESS names a server; without it, `weft dev`/`server` start an embedded one. */
  addressGiven: boolean;
  /** Whether TEMPORAL_PROFILE names an envconfig profile. */
  profileGiven: boolean;
  /** Seconds a command waits for Temporal to answer (0 tries once). */
  waitSeconds: number;
  /** Overrides of the embedded server's tuned values: WEFT_TEMPORAL_DYNAMIC_CONFIG, WEFT_TEMPORAL_SQLITE_PRAGMAS. */
  embedded: { dynamicConfig: Record<string, string>; sqlitePragmas: Record<string, string> };
}

/** Everything Weft reads from its environment, checked. Built by `loadConfig` only. */
export interface WeftConfig {
  /** WEFT_DATA_DIR or --data-dir (absolute), default ~/.weft. */
  dataDir: string;
  /** WEFT_CACHE_DIR, default $XDG_CACHE_HOME/weft or ~/.cache/weft. */
  cacheDir: string;
  /** WEFT_TASK_QUEUE or --task-queue, default `weft`. */
  taskQueue: string;
  temporal: TemporalConfig;
  /** WEFT_DATABASE_URL: a postgres URL or a SQLite file; unset means `<dataDir>/weft.db`. */
  databaseUrl?: string;
  /** WEFT_SECRET_KEY (checked when the key is loaded); unset means the data directory's key file. */
  secretKey?: string;
  /** The values of WEFT_SECRET_<NAME>, read once. */
  envSecrets: SecretSource;
  worker: {
    /** WEFT_MAX_CONCURRENT_ACTIVITIES, default 100. */
    maxConcurrentActivities: number;
    /** WEFT_MAX_CONCURRENT_WORKFLOW_TASKS, default 100. */
    maxConcurrentWorkflowTasks: number;
  };
  /** WEFT_SCRIPT_RUNNER, default sandbox (bubblewrap). */
  scriptRunner: ScriptRunnerKind;
  /** WEFT_SCRIPT_LIMITS, WEFT_SCRIPT_LIMITS_MAX, WEFT_SCRIPT_NETWORK, WEFT_SCRIPT_WORKING_DIRS. */
  script: ScriptSettings;
  /** WEFT_HTTP_ALLOWED_HOSTS; undefined keeps http tasks to public addresses. */
  httpAllowedHosts?: HostAllowList;
  /** WEFT_ALLOWED_ORIGINS: web origins besides its own that may call the MCP endpoint; default none. */
  mcpAllowedOrigins: string[];
  /** WEFT_MCP_SERVERS: the MCP servers `mcp` tasks may call, by name; every Weft process must read the same. */
  mcpServers: McpServerConfigs;
  /** WEFT_LOG_LEVEL and WEFT_LOG_FILE. */
  log: LoggerSettings;
  /** WEFT_LOG_RETENTION_DAYS, default 30; 0 keeps run logs forever. */
  logRetentionDays: number;
  /** Model providers (OPENAI_*, ANTHROPIC_*, WEFT_LLM_PROVIDERS, WEFT_LLM_PRICES) and their keys from the environment. */
  llm: LlmSettings;
  /** WEFT_DRAFT_MODEL: `provider/model` for drafting flows. */
  draftModel?: string;
  /** WEFT_PROMPTS_DIR: where prompt templates are read from, default the project's prompts/. */
  promptsDir?: string;
  /** WEFT_MODULES: paths of Weft modules. */
  modules: string[];
  /** WEFT_EXISTING_WORKFLOWS: a file of existing workflow types to register at start. */
  existingWorkflows?: string;
  /** WEFT_UI_URL (no trailing slash); undefined when unset (an embedded server says its own). */
  uiUrl?: string;
  /** WEFT_WORKFLOW_BUNDLE: a prebuilt workflow bundle (the test runner builds one). */
  workflowBundle?: string;
  /** OTEL_* (OTLP/HTTP export), WEFT_METRICS, WEFT_WORKER_METRICS_PORT (docs/telemetry.md). */
  telemetry: TelemetrySettings;
}

const SecondsOrMore = z.coerce.number().finite().min(0);
const WholeAtLeastOne = z.coerce.number().int().min(1);
const TaskQueueName = z.string().regex(/^[^\s]{1,200}$/);
const DraftModel = z.string().regex(/^[^/\s]+\/\S+$/);

/**
 * Reads the configuration from an environment and a command's flags. A malformed value throws a
 * ConfigError naming the variable (or the flag) and what would be valid.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): WeftConfig {
  const value = (name: string) => env[name]?.trim() || undefined;
  const connection = loadConnectionSettings(env);
  const uiUrl = check(value('WEFT_UI_URL'), 'WEFT_UI_URL', z.url({ protocol: /^https?$/ }), 'an http(s) URL');
  const databaseUrl = value('WEFT_DATABASE_URL');
  const secretKey = value('WEFT_SECRET_KEY');
  const draftModel = check(value('WEFT_DRAFT_MODEL'), 'WEFT_DRAFT_MODEL', DraftModel, 'provider/model (e.g. anthropic/claude-sonnet-4-6)');
  const promptsDir = value('WEFT_PROMPTS_DIR');
  const existingWorkflows = value('WEFT_EXISTING_WORKFLOWS');
  const workflowBundle = value('WEFT_WORKFLOW_BUNDLE');
  const httpAllowedHosts = hostAllowListFromEnv(env);
  return {
    dataDir: flags.dataDir?.trim() ? resolve(flags.dataDir.trim()) : dataDir(env),
    cacheDir: cacheDir(env),
    taskQueue:
      check(flags.taskQueue, '--task-queue', TaskQueueName, 'a task queue name without spaces') ??
      check(value('WEFT_TASK_QUEUE'), 'WEFT_TASK_QUEUE', TaskQueueName, 'a task queue name without spaces') ??
      DEFAULT_TASK_QUEUE,
    temporal: {
      connection,
      addressGiven: Boolean(value('TEMPORAL_ADDRESS')),
      profileGiven: Boolean(value('TEMPORAL_PROFILE')),
      waitSeconds:
        check(flags.temporalWait?.trim(), '--temporal-wait', SecondsOrMore, 'a number of seconds >= 0', '0 tries once') ??
        check(value('WEFT_TEMPORAL_WAIT_SECONDS'), 'WEFT_TEMPORAL_WAIT_SECONDS', SecondsOrMore, 'a number of seconds >= 0', '0 tries once') ??
        DEFAULT_TEMPORAL_WAIT_SECONDS,
      embedded: {
        dynamicConfig: keyValues(value('WEFT_TEMPORAL_DYNAMIC_CONFIG'), 'WEFT_TEMPORAL_DYNAMIC_CONFIG'),
        sqlitePragmas: keyValues(value('WEFT_TEMPORAL_SQLITE_PRAGMAS'), 'WEFT_TEMPORAL_SQLITE_PRAGMAS'),
      },
    },
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(secretKey ? { secretKey } : {}),
    envSecrets: secretsFromEnv(env),
    worker: {
      maxConcurrentActivities: check(value('WEFT_MAX_CONCURRENT_ACTIVITIES'), 'WEFT_MAX_CONCURRENT_ACTIVITIES', WholeAtLeastOne, 'a whole number >= 1') ?? 100,
      maxConcurrentWorkflowTasks:
        check(value('WEFT_MAX_CONCURRENT_WORKFLOW_TASKS'), 'WEFT_MAX_CONCURRENT_WORKFLOW_TASKS', WholeAtLeastOne, 'a whole number >= 1') ?? 100,
    },
    scriptRunner:
      check(
        value('WEFT_SCRIPT_RUNNER'),
        'WEFT_SCRIPT_RUNNER',
        ScriptRunner,
        `one of ${SCRIPT_RUNNERS.join(', ')}`,
        'leave it unset to run scripts in the bubblewrap sandbox, or set process to run them unsandboxed; tasks with image run in containers either way (WEFT_CONTAINER_ENGINE)',
      ) ?? 'sandbox',
    script: loadScriptSettings(env),
    ...(httpAllowedHosts ? { httpAllowedHosts } : {}),
    mcpAllowedOrigins: parseAllowedOrigins(value('WEFT_ALLOWED_ORIGINS') ?? ''),
    mcpServers: parseMcpServers(value('WEFT_MCP_SERVERS')),
    log: loadLoggerSettings(env),
    logRetentionDays: logRetentionDays(env),
    llm: loadLlmSettings(env),
    ...(draftModel ? { draftModel } : {}),
    ...(promptsDir ? { promptsDir: resolve(promptsDir) } : {}),
    modules: (value('WEFT_MODULES') ?? '')
      .split(',')
      .map((path) => path.trim())
      .filter(Boolean),
    ...(existingWorkflows ? { existingWorkflows } : {}),
    ...(uiUrl ? { uiUrl: uiUrl.replace(/\/+$/, '') } : {}),
    ...(workflowBundle ? { workflowBundle } : {}),
    telemetry: loadTelemetrySettings(env),
  };
}

/** The configuration with another Temporal service (an embedded server, or the data directory's background one). */
export function withTemporalService(
  config: WeftConfig,
  service: { address: string; namespace?: string | undefined; taskQueue?: string | undefined; uiUrl?: string | undefined },
): WeftConfig {
  const { connection } = config.temporal;
  return {
    ...config,
    ...(service.taskQueue ? { taskQueue: service.taskQueue } : {}),
    ...(service.uiUrl ? { uiUrl: service.uiUrl.replace(/\/+$/, '') } : {}),
    temporal: {
      ...config.temporal,
      addressGiven: true,
      connection: {
        address: service.address,
        namespace: service.namespace ?? connection.namespace,
        connectionOptions: { ...connection.connectionOptions, address: service.address },
      },
    },
  };
}

/** `key=value,...` as a record; a part without a key and `=` is refused. */
function keyValues(text: string | undefined, name: string): Record<string, string> {
  for (const part of (text ?? '').split(',')) {
    if (part.trim() && !/^\s*[^=\s][^=]*=/.test(part)) throw new ConfigError(`${name} must be a list of key=value separated by commas (got "${text}")`);
  }
  return parseDynamicConfigOverrides(text);
}

/** The text of a setting checked against its schema; unset stays undefined. */
function check<T>(text: string | undefined, name: string, schema: z.ZodType<T>, valid: string, hint?: string): T | undefined {
  if (text === undefined || text === '') return undefined;
  const parsed = schema.safeParse(text);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`${name} must be ${valid} (got "${text}")`, hint);
}
