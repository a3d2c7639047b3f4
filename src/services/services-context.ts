// Opens what CLI commands need, lazily: the store (flows, logs, secrets) and, only for run
// commands, a Temporal client (waited for within a bound). Everything is closed by `close()`.

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { dataDir } from './config/paths.js';
import { DEFAULT_TASK_QUEUE } from './config/task-queue.js';
import { FlowService } from './flow-service.js';
import { LogService } from './log-service.js';
import { OutputStore } from './outputs/output-store.js';
import { RunService } from './run-service.js';
import { loadSecretKey } from './secrets/secret-key.js';
import { SecretStore } from './secrets/secret-store.js';
import { AuditLog } from './security/audit-log.js';
import { knownSecretValues } from './security/audit-redaction.js';
import { openStore, type Store } from './store/database.js';
import { type ConnectionSettings, connectClient, loadConnectionSettings, temporalWaitSeconds } from './temporal/connection-settings.js';
import { otherStoreNotice, storeIdentity } from './temporal/store-identity.js';

export interface ServicesContextOptions {
  /** Where lines about waiting (for Temporal, for another store) go; the CLI prints them on stderr. */
  onProgress?: (line: string) => void;
}

export class ServicesContext {
  private store?: Store;
  private client?: Client;
  private readonly progress: (line: string) => void;

  constructor(options: ServicesContextOptions = {}) {
    this.progress = options.onProgress ?? (() => {});
  }

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
      this.client = await connectClient(settings, { seconds: temporalWaitSeconds(), onWaiting: this.progress });
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
      if (notice) this.progress(notice);
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
