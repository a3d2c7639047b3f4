// A worker's dependencies from the process's services and configuration: the one place the
// worker's store, flows, secrets, model providers, script runner and egress policy are chosen.

import { type ScriptRunnerOptions, scriptRunnerOptions } from '../../../activities/script-sandbox.js';
import type { WeftConfig } from '../../services/config/weft-config.js';
import { EgressPolicy, type ProtectedEndpoint } from '../../services/security/egress-policy.js';
import type { ServicesContext } from '../../services/services-context.js';
import type { WeftWorkerOptions } from './weft-worker.js';

/** Where http tasks may connect: the configured allow-list, never to the given endpoints. */
export function egressPolicyOf(config: WeftConfig, protectedEndpoints: readonly ProtectedEndpoint[]): EgressPolicy {
  return new EgressPolicy({ ...(config.httpAllowedHosts ? { allowList: config.httpAllowedHosts } : {}), protectedEndpoints });
}

/** How script tasks run: the configured runner, hiding this worker's data and cache directories and store file. */
export function scriptRunnerOf(config: WeftConfig, paths: { dataDir: string; storeFile?: string | undefined }): ScriptRunnerOptions {
  return scriptRunnerOptions(config.scriptRunner, { ...paths, cacheDir: config.cacheDir }, config.script);
}

/** The options every Weft worker of a process shares; the caller adds its connection and identity. */
export async function workerOptionsOf(services: ServicesContext): Promise<Omit<WeftWorkerOptions, 'connection'>> {
  const { config } = services;
  return {
    config,
    store: await services.database(),
    namespace: config.temporal.connection.namespace,
    taskQueue: config.taskQueue,
    dataDir: config.dataDir,
    flows: await services.flows(),
    secrets: await services.secretSource(),
    // The process's pool, closed (its stdio servers ended) with the services.
    mcp: await services.mcpServers(),
    maxConcurrentActivities: config.worker.maxConcurrentActivities,
    maxConcurrentWorkflowTasks: config.worker.maxConcurrentWorkflowTasks,
  };
}
