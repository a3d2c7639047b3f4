// Connection settings in Temporal's own conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TLS variables and envconfig profiles), so a real cluster or Temporal Cloud
// works unchanged.

import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

/** Reads settings from the environment and the envconfig profile (TEMPORAL_PROFILE). */
export function loadConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const address = loaded.connectionOptions.address ?? '127.0.0.1:7233';
  return { address, namespace: loaded.namespace ?? 'default', connectionOptions: { ...loaded.connectionOptions, address } };
}

export async function connectClient(settings: ConnectionSettings): Promise<Client> {
  const connection = await Connection.connect(settings.connectionOptions as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace: settings.namespace });
}

export async function connectWorkerConnection(settings: ConnectionSettings): Promise<NativeConnection> {
  return NativeConnection.connect(settings.connectionOptions);
}
