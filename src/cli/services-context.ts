// Opens what CLI commands need, lazily: the store (flows, logs, secrets) and, only for run
// commands, a Temporal client. Everything is closed by `close()`.

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { dataDir } from '../config/paths.js';
import { WeftError } from '../errors.js';
import { OutputStore } from '../outputs/output-store.js';
import { loadSecretKey } from '../secrets/secret-key.js';
import { SecretStore } from '../secrets/secret-store.js';
import { FlowService } from '../services/flow-service.js';
import { LogService } from '../services/log-service.js';
import { RunService } from '../services/run-service.js';
import { openStore, type Store } from '../store/database.js';
import { connectClient, loadConnectionSettings } from '../temporal/connection-settings.js';
import { DEFAULT_TASK_QUEUE } from '../worker/weft-worker.js';

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

  async runs(taskQueue = process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE): Promise<RunService> {
    return new RunService(await this.temporal(), await this.flows(), taskQueue, { outputs: new OutputStore(join(dataDir(), 'outputs')) });
  }

  async temporal(): Promise<Client> {
    if (!this.client) {
      const settings = loadConnectionSettings();
      this.client = await connectClient(settings).catch((error: Error) => {
        throw new WeftError('TEMPORAL_UNREACHABLE', `cannot reach Temporal at ${settings.address}: ${error.message}`, {
          hint: 'start it with `npm start` (weft dev), or set TEMPORAL_ADDRESS',
        });
      });
    }
    return this.client;
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
    await this.store?.close();
  }

  private async openStore(): Promise<Store> {
    this.store ??= await openStore({ dataDir: dataDir() });
    return this.store;
  }
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
