// The worker's activities, built from their dependencies. The workflow imports only the type
// of `createActivities`, never this module's code.

import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { WeftError } from '../src/core/errors.js';
import { startedMessage, taskEventLine } from '../src/core/logs/task-event-line.js';
import type {
  CachedAnswer,
  CustomTaskInput,
  HttpOutput,
  HttpRequestInput,
  LlmInput,
  LlmOutput,
  LogLine,
  McpCallInput,
  McpOutput,
  ResolveFlowInput,
  ScriptInput,
  ScriptOutput,
  SubflowCacheEntry,
  SubflowCacheQuery,
  TaskContext,
} from '../src/core/runs/activity-io.js';
import type { AgentMcpToolsInput, AgentMcpToolsOutput, AgentModelInput, AgentModelOutput } from '../src/core/runs/agent-io.js';
import type { FireFlowTriggersInput, FireFlowTriggersResult } from '../src/core/runs/flow-trigger-io.js';
import type { CacheOrigin, RecordedTaskOutput } from '../src/core/runs/run-types.js';
import { flowTaskDefaults } from '../src/core/task-types/flow-defaults.js';
import { cacheSubjectOf, taskCacheKey } from '../src/services/cache/cache-key.js';
import type { TaskCache } from '../src/services/cache/task-cache.js';
import type { NamespaceFileReader } from '../src/services/files/file-service.js';
import type { FlowCatalog } from '../src/services/flows/flow-catalog.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { McpClientPool } from '../src/services/mcp-client/client-pool.js';
import { Redactor } from '../src/services/secrets/redactor.js';
import {
  holdsSecretMarker,
  RunSecrets,
  resolveSecretMarkers,
  resolveSecretsInValue,
  SecretNotFoundError,
  type SecretSource,
} from '../src/services/secrets/secret-source.js';
import type { EgressPolicy } from '../src/services/security/egress-policy.js';
import { assertRunRights } from '../src/services/security/tool-policy.js';
import { StoreUnavailableError } from '../src/services/store/store-availability.js';
import { MAX_PAYLOAD_BYTES } from '../src/services/temporal/claim-check-codec.js';
import { listAgentMcpTools } from './agent-mcp-tools.js';
import { callAgentModel } from './agent-model.js';
import { type CustomTaskHandlers, runCustomTaskActivity } from './custom-task.js';
import { type FlowTriggerDeps, fireFlowTriggersActivity } from './fire-flow-triggers.js';
import { performHttpRequest } from './http-request.js';
import { type LlmRuntime, runLlmTask } from './llm-call.js';
import { callMcpTool } from './mcp-call.js';
import { runScriptTask } from './run-script.js';
import { type ScriptRunnerOptions, scriptRunnerFromEnv } from './script-sandbox.js';
import { storeQuietly, throughCache, writerOf } from './task-cache.js';
import { TASK_ERROR_TYPES } from './task-errors.js';

/** How long a task activity runs before it writes its own `started` line, in ms. */
export const STARTED_LINE_DELAY_MS = 1000;

export interface ActivityDeps {
  secrets: SecretSource;
  logs: LogSink;
  flows: FlowCatalog;
  llm: LlmRuntime;
  /** Cached task outputs (`cache:` on a task); absent: every task runs, nothing is stored. */
  cache?: TaskCache;
  /** Handlers of task types registered from TypeScript, by type name. */
  customTaskTypes?: CustomTaskHandlers;
  /** How scripts run and what they may not see (default: WEFT_SCRIPT_RUNNER, hiding the default data and cache directories). */
  scriptRunner?: ScriptRunnerOptions;
  /** Where http tasks may connect (default: WEFT_HTTP_ALLOWED_HOSTS, or public addresses only). */
  egress?: EgressPolicy;
  /** Where an ending run finds and starts the runs its flow triggers fire (absent: it starts none). */
  flowTriggers?: FlowTriggerDeps;
  /** The configured MCP servers' clients (WEFT_MCP_SERVERS); absent: every mcp task fails as McpServerNotConfigured. */
  mcp?: McpClientPool;
  /** Namespace files script tasks list in `files:`; absent: such a task fails as ScriptSetupError. */
  files?: NamespaceFileReader;
}

export function createActivities(deps: ActivityDeps) {
  // A script's network grant goes through the http tasks' egress policy (its proxy admits only what that allows).
  const scriptRunner = { ...(deps.egress ? { egress: deps.egress } : {}), ...(deps.scriptRunner ?? scriptRunnerFromEnv(process.env)) };
  /**
   * Refuses an output over the payload bound as a task error: the claim-check codec keeps every
   * output up to it out of history, and a larger one would otherwise fail the encoding on each retry.
   */
  const bounded = <T>(output: T): T => {
    const text = JSON.stringify(output);
    // A JSON string's UTF-8 is at most three bytes a character: most outputs need no byte count.
    if (text !== undefined && text.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw ApplicationFailure.create({
        type: TASK_ERROR_TYPES.outputTooLarge,
        message: `task output is ${Buffer.byteLength(text)} bytes of JSON, over the ${MAX_PAYLOAD_BYTES}-byte bound: return only the fields later tasks need`,
        nonRetryable: true,
      });
    }
    return output;
  };

  /**
   * Runs a task activity and, if it is still running after STARTED_LINE_DELAY_MS, writes its
   * `started` event, so a live follower sees a long task has begun. Quick tasks pay nothing: the
   * workflow buffers the same line (same id) and writes it by the end of the run, which also
   * makes a failed write here harmless.
   */
  const announced = async <T>(context: TaskContext, work: () => Promise<T>): Promise<T> => {
    if (!context.taskEvents) return work();
    const startedAt = Date.now();
    let written: Promise<void> | undefined;
    const timer = setTimeout(() => {
      const line = taskEventLine(context, 'started', 'info', startedMessage(context.attempt), new Date(startedAt).toISOString());
      written = deps.logs.write([line]).catch(() => undefined);
    }, STARTED_LINE_DELAY_MS);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      await written;
    }
  };

  return {
    /** Answers a CachedAnswer when the input has `cache`. */
    async httpRequest(input: HttpRequestInput): Promise<HttpOutput | CachedAnswer<HttpOutput>> {
      const used = new Set<string>();
      const secrets = RunSecrets.of(deps.secrets, input.context);
      return announced(input.context, () =>
        throughCache(deps.cache, input, 'http', () =>
          asTaskErrors(used, async () => {
            const withSecrets = holdsSecretMarker([input.url, input.headers, input.query, input.json, input.body]);
            const resolved: HttpRequestInput = withSecrets
              ? {
                  ...input,
                  url: await resolveSecretMarkers(input.url, secrets, used),
                  headers: (await resolveSecretsInValue(input.headers, secrets, used)) as Record<string, string>,
                  query: (await resolveSecretsInValue(input.query, secrets, used)) as Record<string, string>,
                  ...(input.json !== undefined ? { json: await resolveSecretsInValue(input.json, secrets, used) } : {}),
                  ...(input.body !== undefined ? { body: await resolveSecretMarkers(input.body, secrets, used) } : {}),
                }
              : input;
            return bounded(await performHttpRequest(resolved, new Redactor(used), deps.egress));
          }),
        ),
      );
    },

    /** Answers a CachedAnswer when the input has `cache`. */
    async runScript(input: ScriptInput): Promise<ScriptOutput | CachedAnswer<ScriptOutput>> {
      const used = new Set<string>();
      return announced(input.context, async () =>
        throughCache(deps.cache, await withFileDigests(input, deps.files), 'script', () =>
          asTaskErrors(used, async () => {
            const env = (await resolveSecretsInValue(input.env, RunSecrets.of(deps.secrets, input.context), used)) as Record<string, string>;
            const run = { redactor: new Redactor(used), logs: deps.logs, runner: scriptRunner, ...(deps.files ? { files: deps.files } : {}) };
            return bounded(await runScriptTask({ ...input, env }, run));
          }),
        ),
      );
    },

    async callLlm(input: LlmInput): Promise<LlmOutput> {
      const used = new Set<string>();
      return announced(input.context, () =>
        asTaskErrors(used, async () => bounded(await runLlmTask(input, deps.llm, RunSecrets.of(deps.secrets, input.context), used, deps.logs, deps.cache))),
      );
    },

    /** One model call of an agent task: the conversation so far and its tools. */
    async callAgentModel(input: AgentModelInput): Promise<AgentModelOutput> {
      const used = new Set<string>();
      return announced(input.context, () =>
        asTaskErrors(used, async () => bounded(await callAgentModel(input, deps.llm, RunSecrets.of(deps.secrets, input.context), used, deps.logs))),
      );
    },

    /** The MCP tools an agent task offers its model. */
    async listAgentMcpTools(input: AgentMcpToolsInput): Promise<AgentMcpToolsOutput> {
      return asTaskErrors(new Set(), () => listAgentMcpTools(input, deps.mcp));
    },

    /** Answers a CachedAnswer when the input has `cache`. */
    async callMcpTool(input: McpCallInput): Promise<McpOutput | CachedAnswer<McpOutput>> {
      return announced(input.context, () =>
        throughCache(deps.cache, input, 'mcp', () => asTaskErrors(new Set(), async () => bounded(await callMcpTool(input, deps.mcp)))),
      );
    },

    /** Answers a CachedAnswer when the input has `cache`. */
    async runCustomTask(input: CustomTaskInput): Promise<unknown> {
      const used = new Set<string>();
      return announced(input.context, () =>
        throughCache(deps.cache, input, 'custom', () =>
          asTaskErrors(used, async () =>
            bounded(await runCustomTaskActivity(input, deps.customTaskTypes ?? new Map(), RunSecrets.of(deps.secrets, input.context), used, deps.logs)),
          ),
        ),
      );
    },

    /** Local activity of a subflow with `cache`, before its child starts: the fresh entry, or null. */
    async lookupSubflowCache(query: SubflowCacheQuery): Promise<{ output: unknown; cachedFrom: CacheOrigin } | null> {
      if (!deps.cache) return null;
      const hit = await deps.cache.lookup(taskCacheKey(cacheSubjectOf(query.context), query.cache, 'subflow', query.config));
      return hit ? { output: hit.output, cachedFrom: hit.origin } : null;
    },

    /** Local activity of a subflow with `cache`, after its child completed: stores the outcome. */
    async storeSubflowCache(entry: SubflowCacheEntry): Promise<void> {
      if (!deps.cache) return;
      const key = taskCacheKey(cacheSubjectOf(entry.context), entry.cache, 'subflow', entry.config);
      await storeQuietly(deps.cache, key, writerOf(entry.context), entry.output, entry.cache.ttlMs);
    },

    async writeLogs(lines: LogLine[]): Promise<void> {
      await deps.logs.write(lines);
    },

    fireFlowTriggers(input: FireFlowTriggersInput): Promise<FireFlowTriggersResult> {
      return fireFlowTriggersActivity(deps.flowTriggers, input);
    },

    /**
     * Holds an agent task's output in history (its input), for a restart and for reading the
     * output of a closed run; nothing to do beyond being recorded.
     */
    async recordTaskOutput(_input: RecordedTaskOutput): Promise<void> {},

    async resolveFlow(input: ResolveFlowInput) {
      try {
        const resolved = await deps.flows.resolve(input.flow, input.revision);
        // The starter's rights hold for the whole tree, checked again as each child starts.
        assertRunRights(resolved.flow, input.rights, true);
        // The child run starts with its own flow's type defaults, read here from the descriptors,
        // and knows whether flow triggers listen to its flow (FlowRunInput.downstream).
        const downstream = (await deps.flows.listenedTo?.(input.flow)) === true;
        return { ...resolved, taskDefaults: flowTaskDefaults(resolved.flow), ...(downstream ? { downstream } : {}) };
      } catch (error) {
        // A store that is briefly away is retried like any infrastructure error.
        if (error instanceof WeftError && !(error instanceof StoreUnavailableError))
          throw ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
        throw error;
      }
    },
  };
}

// Any error an I/O task raises is a task error (the workflow decides on retry); only
// cancellation passes through. Messages are redacted of the secrets this attempt used.
async function asTaskErrors<T>(used: Set<string>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApplicationFailure || error instanceof CancelledFailure) throw error;
    // The store briefly away (a database restart) is infrastructure: retried, no attempt used.
    if (error instanceof StoreUnavailableError) throw error;
    const redactor = new Redactor(used);
    if (error instanceof SecretNotFoundError)
      throw ApplicationFailure.create({ type: TASK_ERROR_TYPES.secretNotFound, message: error.message, nonRetryable: true });
    const message = error instanceof Error ? error.message : String(error);
    throw ApplicationFailure.create({ type: error instanceof Error ? error.name : 'Error', message: redactor.text(message), nonRetryable: true });
  }
}

/**
 * A script input as its cache key sees it: with the sha256 of each namespace file it lists, so a
 * file put since the entry was stored makes a miss. A missing file counts as such: the task then
 * runs and fails naming it.
 */
async function withFileDigests(input: ScriptInput, files: NamespaceFileReader | undefined): Promise<ScriptInput & { fileDigests?: string[] }> {
  if (!input.cache || !input.files || !files) return input;
  const { namespace, paths } = input.files;
  const digests = await Promise.all(paths.map(async (path) => (await files.info(namespace, path))?.sha256 ?? 'missing'));
  return { ...input, fileDigests: digests };
}
