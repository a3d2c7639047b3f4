// Builds a Weft worker: the prebundled interpreter workflows plus the activities wired to
// their dependencies. Graceful shutdown is the SDK's: `worker.shutdown()` lets activities finish.

import { mkdir } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import { type InjectedSinks, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities/index.js';
import { createLimitActivities } from '../../../activities/limit-activities.js';
import type { LlmRuntime } from '../../../activities/llm-call.js';
import { detectCgroups } from '../../../activities/script-cgroup.js';
import { removeOrphanContainers } from '../../../activities/script-container-orphans.js';
import { probeSandbox, type ScriptRunnerOptions } from '../../../activities/script-sandbox.js';
import type { RunLogSinks } from '../../../workflows/run-log-sink.js';
import type { SlotSinks } from '../../../workflows/slot-release-sink.js';
import { keeperQueue } from '../../core/runs/limit-types.js';
import { DEFAULT_QUEUE, namedTaskQueue } from '../../core/spec/task-queues.js';
import { TaskCache } from '../../services/cache/task-cache.js';
import { registerCodeFlows } from '../../services/code-flows/code-flow-catalog.js';
import { registerModule } from '../../services/code-flows/load-modules.js';
import type { WeftModule } from '../../services/code-flows/weft-module.js';
import { loadConfig, type WeftConfig } from '../../services/config/weft-config.js';
import { type ContainerEngineChoice, findContainerEngine } from '../../services/containers/container-engine.js';
import { FileService } from '../../services/files/file-service.js';
import { NamespaceFileStore } from '../../services/files/file-store.js';
import { FlowService } from '../../services/flow-service.js';
import type { FlowCatalog } from '../../services/flows/flow-catalog.js';
import { giveSlotBack } from '../../services/limits/keeper-client.js';
import { LimitStore } from '../../services/limits/limit-store.js';
import { ConcurrencyLimit } from '../../services/llm/concurrency-limit.js';
import { CappedLogSink } from '../../services/logs/log-caps.js';
import type { LogSink } from '../../services/logs/log-sink.js';
import { RunLogWriter } from '../../services/logs/run-log-writer.js';
import { StoreLogSink } from '../../services/logs/store-log-sink.js';
import { McpClientPool } from '../../services/mcp-client/client-pool.js';
import { ClaimCheckStore } from '../../services/outputs/claim-check-store.js';
import { loadPrompts, PROMPTS_DIR, type PromptTemplate } from '../../services/prompts/prompt-library.js';
import type { SecretSource } from '../../services/secrets/secret-source.js';
import { type EgressPolicy, temporalEndpoints } from '../../services/security/egress-policy.js';
import type { Store } from '../../services/store/database.js';
import type { Telemetry } from '../../services/telemetry/telemetry-sdk.js';
import { claimCheckDataConverter } from '../../services/temporal/claim-check-codec.js';
import { FlowTriggerFirer } from '../../services/triggers/flow-triggers.js';
import { boundRegexpBacktracking } from './regexp-backtracking.js';
import { egressPolicyOf, scriptRunnerOf } from './worker-options.js';
import { WorkerPair } from './worker-pair.js';
import { bundleSource, bundleWithCodeFlows, loadWorkflowBundle } from './workflow-bundle.js';

export interface WeftWorkerOptions {
  connection: NativeConnection;
  /** The store: run logs go there, and saved flows are the default catalog for subflows. */
  store: Store;
  namespace?: string;
  taskQueue?: string;
  dataDir?: string;
  flows?: FlowCatalog;
  secrets?: SecretSource;
  logs?: LogSink;
  /** Most activities (http, script) at once on this worker (default 100). */
  maxConcurrentActivities?: number;
  /** Most workflow tasks at once (default 100). */
  maxConcurrentWorkflowTasks?: number;
  /** Seconds running activities get to finish on shutdown before they are cancelled (default 10). */
  shutdownGraceSeconds?: number;
  /** Model providers, their limits and the answer cache (default: from the environment, cache in the store). */
  llm?: LlmRuntime;
  /** Weft modules: code flows (bundled with the interpreter), their activities, custom task types. */
  modules?: readonly WeftModule[];
  /** How script tasks run (default: WEFT_SCRIPT_RUNNER; the sandbox hides this worker's data and cache directories and store file). */
  scriptRunner?: ScriptRunnerOptions;
  /**
   * Where http tasks may connect (default: WEFT_HTTP_ALLOWED_HOSTS or public addresses only, and
   * never the gRPC port of TEMPORAL_ADDRESS).
   */
  egress?: EgressPolicy;
  /**
   * Clients of the MCP servers `mcp` tasks call (default: a pool of WEFT_MCP_SERVERS, whose servers
   * start on first use; their processes end with the worker's).
   */
  mcp?: McpClientPool;
  /** Where every default above comes from (default: read from this process's environment). */
  config?: WeftConfig;
  /** The identity Temporal shows for this worker; Weft's names the store it serves (src/server/store-identity.ts). */
  identity?: string;
  /** The process's started telemetry SDK: workflows run from the telemetry bundle, spans and metrics leave through it. */
  telemetry?: Telemetry;
  /**
   * A worker group (flow-spec `queue`): the worker polls `<taskQueue>/<queue>` for the activities of
   * tasks on that queue, and runs no workflows. Absent or `default`: Weft's own task queue, workflows too.
   */
  queue?: string;
}

/** The configured providers, one concurrency limit per provider, prompts from WEFT_PROMPTS_DIR or prompts/. */
/** Says at start whether script tasks with `image` can run here, so the operator need not wait for one to fail. */
async function announceContainerEngine(choice: ContainerEngineChoice): Promise<void> {
  if (choice === 'none') return;
  const lookup = await findContainerEngine(choice);
  const logger = Runtime.instance().logger;
  if ('engine' in lookup) {
    const { kind, version, globalArgs } = lookup.engine;
    logger.info(`script tasks with image run in containers: ${kind} ${version}${globalArgs.length ? ` (${globalArgs.join(' ')})` : ''}`);
    const orphans = await removeOrphanContainers(lookup.engine);
    if (orphans.length) logger.warn(`removed ${orphans.length} script container(s) left by a worker of this host that died: ${orphans.join(', ')}`);
  } else if (choice !== 'auto') logger.warn(`script tasks with image will be refused: ${lookup.unavailable}`);
}

export function defaultLlmRuntime(config: WeftConfig): LlmRuntime {
  let prompts: Promise<PromptTemplate[]> | undefined;
  return {
    settings: config.llm,
    limit: new ConcurrencyLimit(),
    prompts: () => {
      prompts ??= loadPrompts(config.promptsDir ?? PROMPTS_DIR);
      return prompts;
    },
  };
}

/** What callers do with a Weft worker: run it, stop it, ask its state and task queue. */
export type WeftWorker = Pick<Worker, 'run' | 'shutdown' | 'getState' | 'options'>;

/** Weft's worker: a worker group's alone, else Weft's own queue's with its keepers' beside it. */
export async function createWeftWorker(options: WeftWorkerOptions): Promise<WeftWorker> {
  // What the options leave out comes from the configuration: the one given, else this process's.
  const config = options.config ?? loadConfig(process.env);
  const dir = options.dataDir ?? config.dataDir;
  const taskQueue = options.taskQueue ?? config.taskQueue;
  const modules = options.modules ?? [];
  for (const module of modules) registerModule(module);
  boundRegexpBacktracking();
  // Every line, from activities and from workflows alike, goes through the caps.
  const logs = new CappedLogSink(options.logs ?? new StoreLogSink(options.store));
  const customTaskTypes = new Map(modules.flatMap((m) => (m.taskTypes ?? []).map((t) => [t.name, t] as const)));
  const scriptRunner =
    options.scriptRunner ?? scriptRunnerOf(config, { dataDir: dir, storeFile: options.store.kind === 'sqlite' ? options.store.location : undefined });
  // A hidden directory must exist before the first script, or a script could create it first.
  for (const hidden of scriptRunner.hiddenDirs) await mkdir(hidden, { recursive: true, mode: 0o700 });
  if (scriptRunner.kind === 'process')
    Runtime.instance().logger.warn('script tasks run unsandboxed, with this worker’s rights and files (WEFT_SCRIPT_RUNNER=process)');
  else {
    // Said at start too, so the operator need not wait for the first script to fail.
    const unavailable = await probeSandbox(scriptRunner);
    if (unavailable) Runtime.instance().logger.warn(`script tasks will be refused: ${unavailable.message}`);
    // Also where the worker moves itself into a leaf cgroup on cgroup v2, before any script runs.
    const cgroups = await detectCgroups();
    if (cgroups.missing.length) Runtime.instance().logger.warn(`script limits not enforced on this worker: ${cgroups.missing.join('; ')}`);
  }
  await announceContainerEngine(scriptRunner.settings?.containerEngine ?? 'auto');
  const flowService = new FlowService(options.store);
  const weftActivities = createActivities({
    secrets: options.secrets ?? config.envSecrets,
    logs,
    flows: options.flows ?? flowService,
    llm: options.llm ?? defaultLlmRuntime(config),
    cache: new TaskCache(options.store),
    customTaskTypes,
    scriptRunner,
    egress: options.egress ?? egressPolicyOf(config, temporalEndpoints(config.temporal.connection.address)),
    flowTriggers: { firer: new FlowTriggerFirer(options.store, flowService, logs), flows: flowService },
    mcp: options.mcp ?? new McpClientPool(config.mcpServers, options.secrets ?? config.envSecrets),
    files: new FileService(new NamespaceFileStore(options.store)),
  });
  // Limits' keepers and the runs they watch are reached through a client of the worker's own connection.
  const limitClient = new Client({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    dataConverter: claimCheckDataConverter(new ClaimCheckStore(options.store)),
  });
  const limitActivities = createLimitActivities({ client: limitClient, limits: new LimitStore(options.store) });
  const activities = Object.assign({}, ...modules.map((m) => m.activities ?? {}), weftActivities, limitActivities);
  const runLogs = new RunLogWriter(logs, {
    onLost: (lines, error) =>
      Runtime.instance().logger.error('run log lines could not be stored and were given up', {
        runIds: [...new Set(lines.map((l) => l.runId))],
        lines: lines.length,
        error: (error as Error).message,
      }),
  });
  const sinks: InjectedSinks<RunLogSinks & SlotSinks> = {
    runLogs: { write: { fn: (_info, lines) => runLogs.write(lines), callDuringReplay: false } },
    slots: {
      release: {
        // Not awaited: the run's workflow task completes meanwhile. A lost release is found by the keeper's watch.
        fn: (info, target, requestId) => {
          giveSlotBack(limitClient, info.taskQueue, target, requestId).catch((error: unknown) =>
            Runtime.instance().logger.warn('a run slot could not be given back; its keeper frees it once it sees the run closed', {
              runId: info.workflowId,
              error: (error as Error).message,
            }),
          );
        },
        callDuringReplay: false,
      },
    },
  };
  const traced = options.telemetry ? (await import('./worker-telemetry.js')).workerTelemetryOptions(options.telemetry) : undefined;
  if (options.queue !== undefined && options.queue !== DEFAULT_QUEUE) {
    // Workflows stay on Weft's own queue: a group's worker runs only what its tasks hand it.
    return Worker.create({
      connection: options.connection,
      namespace: options.namespace ?? 'default',
      taskQueue: namedTaskQueue(taskQueue, options.queue),
      ...(traced ? { interceptors: { activity: traced.activityInterceptors } } : {}),
      activities,
      dataConverter: claimCheckDataConverter(new ClaimCheckStore(options.store)),
      ...(options.identity ? { identity: options.identity } : {}),
      maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100,
      shutdownGraceTime: `${options.shutdownGraceSeconds ?? 10}s`,
    });
  }
  const workflowsPaths = modules.flatMap((m) => (m.workflowsPath ? [m.workflowsPath] : []));
  await registerCodeFlows(options.store, modules, taskQueue);
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue,
    workflowBundle: workflowsPaths.length
      ? await bundleWithCodeFlows(workflowsPaths, traced !== undefined)
      : await loadWorkflowBundle(bundleSource(config), traced !== undefined),
    activities,
    sinks: traced ? { ...sinks, ...traced.sinks } : sinks,
    ...(traced ? { interceptors: { activity: traced.activityInterceptors } } : {}),
    // Payloads over the history bound live in the store: any worker sharing it reads them.
    dataConverter: claimCheckDataConverter(new ClaimCheckStore(options.store)),
    ...(options.identity ? { identity: options.identity } : {}),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100,
    maxConcurrentLocalActivityExecutions: 100,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTasks ?? 100,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 10}s`,
  });
  const keepers = await Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: keeperQueue(taskQueue),
    workflowBundle: await loadWorkflowBundle(bundleSource(config)),
    activities: limitActivities,
    sinks,
    dataConverter: claimCheckDataConverter(new ClaimCheckStore(options.store)),
    ...(options.identity ? { identity: options.identity } : {}),
    // A keeper's watches are long polls that wait on Temporal, not work: many cost little.
    maxConcurrentActivityTaskExecutions: 1000,
    maxConcurrentWorkflowTaskExecutions: 20,
    maxCachedWorkflows: 500,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 10}s`,
  });
  return new WorkerPair(main, keepers);
}
