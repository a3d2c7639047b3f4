// The worker's activities, built from their dependencies. The workflow imports only the type
// of `createActivities`, never this module's code.

import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { WeftError } from '../src/core/errors.js';
import { startedMessage, taskEventLine } from '../src/core/logs/task-event-line.js';
import type {
  CustomTaskInput,
  HttpOutput,
  HttpRequestInput,
  LlmInput,
  LlmOutput,
  LogLine,
  ResolveFlowInput,
  ScriptInput,
  ScriptOutput,
  TaskContext,
} from '../src/core/runs/activity-io.js';
import type { StoredOutputRef } from '../src/core/runs/run-types.js';
import { FLOW_LIMITS } from '../src/core/spec/limits.js';
import { flowTaskDefaults } from '../src/core/task-types/flow-defaults.js';
import type { FlowCatalog } from '../src/services/flows/flow-catalog.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { OutputStore } from '../src/services/outputs/output-store.js';
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
import { type CustomTaskHandlers, runCustomTaskActivity } from './custom-task.js';
import { performHttpRequest } from './http-request.js';
import { type LlmRuntime, runLlmTask } from './llm-call.js';
import { runScriptTask } from './run-script.js';
import { type ScriptRunnerOptions, scriptRunnerFromEnv } from './script-sandbox.js';
import { TASK_ERROR_TYPES } from './task-errors.js';

/** How long a task activity runs before it writes its own `started` line, in ms. */
export const STARTED_LINE_DELAY_MS = 1000;

export interface ActivityDeps {
  secrets: SecretSource;
  logs: LogSink;
  outputs: OutputStore;
  flows: FlowCatalog;
  llm: LlmRuntime;
  /** Handlers of task types registered from TypeScript, by type name. */
  customTaskTypes?: CustomTaskHandlers;
  /** How scripts run and what they may not see (default: WEFT_SCRIPT_RUNNER, hiding the default data and cache directories). */
  scriptRunner?: ScriptRunnerOptions;
  /** Where http tasks may connect (default: WEFT_HTTP_ALLOWED_HOSTS, or public addresses only). */
  egress?: EgressPolicy;
}

export function createActivities(deps: ActivityDeps) {
  const scriptRunner = deps.scriptRunner ?? scriptRunnerFromEnv(process.env);
  /** Keeps outputs over the size bound out of history: stored, replaced by a reference. */
  const bounded = async <T>(context: TaskContext, output: T): Promise<T | StoredOutputRef> => {
    if (JSON.stringify(output).length <= FLOW_LIMITS.maxOutputBytes) return output;
    const name = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
    return deps.outputs.put(context.runId, name, output);
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
    async httpRequest(input: HttpRequestInput): Promise<HttpOutput | StoredOutputRef> {
      const used = new Set<string>();
      const secrets = RunSecrets.of(deps.secrets, input.context);
      return announced(input.context, () =>
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
          return bounded(input.context, await performHttpRequest(resolved, new Redactor(used), deps.egress));
        }),
      );
    },

    async runScript(input: ScriptInput): Promise<ScriptOutput | StoredOutputRef> {
      const used = new Set<string>();
      return announced(input.context, () =>
        asTaskErrors(used, async () => {
          const env = (await resolveSecretsInValue(input.env, RunSecrets.of(deps.secrets, input.context), used)) as Record<string, string>;
          return bounded(input.context, await runScriptTask({ ...input, env }, new Redactor(used), deps.logs, scriptRunner));
        }),
      );
    },

    async callLlm(input: LlmInput): Promise<LlmOutput | StoredOutputRef> {
      const used = new Set<string>();
      return announced(input.context, () =>
        asTaskErrors(used, async () => bounded(input.context, await runLlmTask(input, deps.llm, RunSecrets.of(deps.secrets, input.context), used, deps.logs))),
      );
    },

    async runCustomTask(input: CustomTaskInput): Promise<unknown> {
      const used = new Set<string>();
      return announced(input.context, () =>
        asTaskErrors(used, async () =>
          bounded(
            input.context,
            await runCustomTaskActivity(input, deps.customTaskTypes ?? new Map(), RunSecrets.of(deps.secrets, input.context), used, deps.logs),
          ),
        ),
      );
    },

    async writeLogs(lines: LogLine[]): Promise<void> {
      await deps.logs.write(lines);
    },

    async storeOutput(input: { runId: string; name: string; value: unknown }): Promise<StoredOutputRef> {
      return deps.outputs.put(input.runId, input.name, input.value);
    },

    async loadOutput(input: { ref: string }): Promise<unknown> {
      return deps.outputs.get(input.ref);
    },

    /** Joins the stored iteration slices of a batched foreach; inline when small enough. */
    async combineIterations(input: { runId: string; name: string; parts: StoredOutputRef[]; maxInlineBytes: number }): Promise<unknown> {
      const iterations: unknown[] = [];
      for (const part of input.parts) iterations.push(...((await deps.outputs.get(part.$weftOutputRef)) as unknown[]));
      const output = { iterations };
      if (JSON.stringify(output).length <= input.maxInlineBytes) return output;
      return deps.outputs.put(input.runId, input.name, output);
    },

    async resolveFlow(input: ResolveFlowInput) {
      try {
        const resolved = await deps.flows.resolve(input.flow, input.revision);
        // The starter's rights hold for the whole tree, checked again as each child starts.
        assertRunRights(resolved.flow, input.rights, true);
        // The child run starts with its own flow's type defaults, read here from the descriptors.
        return { ...resolved, taskDefaults: flowTaskDefaults(resolved.flow) };
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
