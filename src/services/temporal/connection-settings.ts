// Connection settings in Temporal's own conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TLS variables and envconfig profiles), so a real cluster or Temporal Cloud
// works unchanged; and a bounded wait for a server that is still starting.

import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection, isGrpcServiceError, type WorkflowClientInterceptor } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { WeftError } from '../../core/errors.js';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/** Reads settings from an environment and its envconfig profile (TEMPORAL_PROFILE); loadConfig calls it. */
export function loadConnectionSettings(env: NodeJS.ProcessEnv): ConnectionSettings {
  const loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const address = loaded.connectionOptions.address ?? '127.0.0.1:7233';
  return { address, namespace: loaded.namespace ?? 'default', connectionOptions: { ...loaded.connectionOptions, address } };
}

/** Thrown when Temporal does not answer within the wait, or refuses the connection outright. */
export class TemporalUnreachableError extends WeftError {
  readonly address: string;

  constructor(address: string, waitedSeconds: number, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('TEMPORAL_UNREACHABLE', `cannot reach Temporal at ${address}${waitedSeconds > 0 ? ` within ${waitedSeconds} s` : ''}: ${detail}`, {
      hint: 'start it with `npm start` (weft dev), or set TEMPORAL_ADDRESS; WEFT_TEMPORAL_WAIT_SECONDS sets the wait',
      cause,
    });
    this.address = address;
  }
}

export interface TemporalWait {
  /** Longest wait in seconds; 0 (the default here) tries once. */
  seconds?: number;
  /** Told once, when Temporal has not answered within a second, what is being waited for. */
  onWaiting?: (line: string) => void;
}

/**
 * A client; with `wait`, retries until Temporal answers or the wait is over. `dataConverter` is
 * Weft's claim-check codec (claim-check-codec.ts) wherever the process has a store.
 */
export async function connectClient(settings: ConnectionSettings, wait: TemporalWait = {}, dataConverter?: DataConverter, traced = false): Promise<Client> {
  const connection = await untilReachable(settings, wait, async (timeoutMs) => {
    // A lazy connection can be closed when connecting fails; a failed Connection.connect would
    // leave its channel open and keep the process alive.
    const lazy = Connection.lazy({
      ...(settings.connectionOptions as Parameters<typeof Connection.lazy>[0]),
      ...(timeoutMs === undefined ? {} : { connectTimeout: timeoutMs }),
    });
    try {
      await lazy.ensureConnected();
      return lazy;
    } catch (error) {
      await lazy.close().catch(() => undefined);
      throw error;
    }
  });
  return new Client({
    connection,
    namespace: settings.namespace,
    ...(dataConverter ? { dataConverter } : {}),
    // The caller's span context (an MCP or API request's) rides in the workflow's start headers.
    ...(traced ? { interceptors: { workflow: [await tracingClientInterceptor()] } } : {}),
  });
}

/** A worker's connection; with `wait`, retries until Temporal answers or the wait is over. */
export async function connectWorkerConnection(settings: ConnectionSettings, wait: TemporalWait = {}): Promise<NativeConnection> {
  return untilReachable(settings, wait, async () => {
    const connection = await NativeConnection.connect(settings.connectionOptions);
    try {
      // A server that is still starting answers before its namespace exists; a worker that went on
      // then would fail its first call. While the wait lasts, a missing namespace is waited for too.
      await connection.workflowService.describeNamespace({ namespace: settings.namespace });
      return connection;
    } catch (error) {
      // Anything else (a key that may not describe namespaces, say) is for the worker's own calls to report.
      if (!(isGrpcServiceError(error) && error.code === NOT_FOUND && wait.seconds)) return connection;
      await connection.close().catch(() => undefined);
      throw new NamespaceNotYetThere(settings.namespace, error);
    }
  });
}

/** Raised while waiting for a namespace that a starting server has not registered yet (worth another attempt). */
class NamespaceNotYetThere extends Error {
  constructor(namespace: string, cause: unknown) {
    super(`namespace ${namespace} is not there (yet)`, { cause });
  }
}

/** Longest single attempt while waiting, in ms: a server that comes up is found within about this. */
const ATTEMPT_MS = 3000;
const PAUSE_MS = 250;
// gRPC status codes that mean "not there (yet)"; anything else (auth, TLS) will not improve by waiting.
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;

async function untilReachable<T>(settings: ConnectionSettings, wait: TemporalWait, attempt: (timeoutMs: number | undefined) => Promise<T>): Promise<T> {
  const seconds = wait.seconds ?? 0;
  const deadline = Date.now() + seconds * 1000;
  const line = `waiting for Temporal at ${settings.address} (up to ${seconds} s; start it with npm start or set TEMPORAL_ADDRESS)`;
  const announce = seconds > 0 && wait.onWaiting ? setTimeout(wait.onWaiting, 1000, line) : undefined;
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      try {
        return await attempt(seconds === 0 ? undefined : Math.max(100, Math.min(remaining, ATTEMPT_MS)));
      } catch (error) {
        const waiting = worthWaiting(error);
        if (!waiting || deadline - Date.now() < PAUSE_MS) throw new TemporalUnreachableError(settings.address, waiting ? seconds : 0, error);
        await delay(PAUSE_MS);
      }
    }
  } finally {
    clearTimeout(announce);
  }
}

function worthWaiting(error: unknown): boolean {
  return !isGrpcServiceError(error) || error.code === UNAVAILABLE || error.code === DEADLINE_EXCEEDED;
}

/** Loaded only when traced, so a process without telemetry never loads the OpenTelemetry packages. */
async function tracingClientInterceptor(): Promise<WorkflowClientInterceptor> {
  const { OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return new OpenTelemetryWorkflowClientInterceptor();
}
