// Opens what CLI commands need, lazily: the store (flows, logs, secrets) and, only for run
// commands, a Temporal client (waited for within a bound). Everything is closed by `close()`.

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { dataDir } from '../config/paths.js';
import { OutputStore } from '../outputs/output-store.js';
import { loadSecretKey } from '../secrets/secret-key.js';
import { SecretStore } from '../secrets/secret-store.js';
import { AuditLog } from '../security/audit-log.js';
import { knownSecretValues } from '../security/audit-redaction.js';
import { otherStoreNotice, storeIdentity } from '../server/store-identity.js';
import { FlowService } from '../services/flow-service.js';
import { LogService } from '../services/log-service.js';
import { RunService } from '../services/run-service.js';
import { openStore, type Store } from '../store/database.js';
import { type ConnectionSettings, connectClient, loadConnectionSettings, temporalWaitSeconds } from '../temporal/connection-settings.js';
import { DEFAULT_TASK_QUEUE } from '../worker/weft-worker.js';
import { progress } from './output.js';

export class ServicesContext {
  private store?: Store;
  private client?: Client;

  async flows(): Promise<FlowService> {
    return new FlowService(await this.openStore());
  }

  async logs(): Promise<LogService> {
    return new LogService(await this.openStore());
  }

  async secrets(): Promise<SecretStore> {
    return new SecretStore(await this.openStore(), await loadSecretKey(dataDir()));
  }

  /** The audit log of the store, redacting the values of its secrets (when the key opens them). */
  async audit(): Promise<AuditLog> {
    const store = await this.openStore();
    const secrets = await loadSecretKey(dataDir()).then(
      (key) => new SecretStore(store, key),
      () => undefined,
    );
    return new AuditLog(store, { secretValues: knownSecretValues(secrets) });
  }

  async runs(taskQueue = process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE): Promise<RunService> {
    return new RunService(await this.temporal(), await this.flows(), taskQueue, { outputs: new OutputStore(join(dataDir(), 'outputs')) });
  }

  /**
   * The Temporal client. A server that does not answer yet is waited for, up to
   * WEFT_TEMPORAL_WAIT_SECONDS (default 15), saying so on stderr; then TemporalUnreachableError.
   */
  async temporal(): Promise<Client> {
    if (!this.client) {
      const settings = loadConnectionSettings();
      this.client = await connectClient(settings, { seconds: temporalWaitSeconds(), onWaiting: progress });
      await this.sayIfAnotherStore(this.client, settings);
    }
    return this.client;
  }

  /** One line on stderr when the service this command reaches serves another data directory. */
  private async sayIfAnotherStore(client: Client, settings: ConnectionSettings): Promise<void> {
    try {
      const notice = await otherStoreNotice(client.workflowService, {
        namespace: settings.namespace,
        taskQueue: process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
        address: settings.address,
        storeId: await storeIdentity(await this.openStore()),
        dataDir: dataDir(),
      });
      if (notice) progress(notice);
    } catch {
      // Only a notice: a server that cannot describe queues (permissions) is no reason to fail.
    }
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
    await this.store?.close();
  }

  /** The store itself, for commands that register catalog entries. */
  database(): Promise<Store> {
    return this.openStore();
  }

  private async openStore(): Promise<Store> {
    this.store ??= await openStore({ dataDir: dataDir() });
    return this.store;
  }
}

/** Help text of `--temporal-wait`, on the commands that need Temporal. */
export const TEMPORAL_WAIT_HELP = 'seconds to wait for Temporal to answer (default WEFT_TEMPORAL_WAIT_SECONDS or 15; 0 tries once)';

/**
 * Applies a command's `--temporal-wait` value. It stands for WEFT_TEMPORAL_WAIT_SECONDS (read,
 * and checked, where the connection is made), so it also reaches what this process starts.
 */
export function useTemporalWaitOption(seconds: string | undefined): void {
  if (seconds !== undefined) process.env.WEFT_TEMPORAL_WAIT_SECONDS = seconds;
}

/** Runs `body` with a context that is always closed afterwards. */
export async function withServices<T>(body: (ctx: ServicesContext) => Promise<T>): Promise<T> {
  const ctx = new ServicesContext();
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
