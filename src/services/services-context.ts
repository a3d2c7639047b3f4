// The services of one process, built from its configuration by `buildServices`: the store
// (flows, logs, secrets, audit), and, only when asked for, a Temporal client (waited for within
// the configured bound). Every entry point (CLI commands, server, dev, mcp, worker) opens what
// it needs here, each thing once; `close()` closes what was opened.

import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { CacheService } from './cache/cache-service.js';
import type { WeftConfig } from './config/weft-config.js';
import { FileService } from './files/file-service.js';
import { NamespaceFileStore } from './files/file-store.js';
import { FlowService } from './flow-service.js';
import { keeperLink, LimitService } from './limits/limit-service.js';
import { LimitStore } from './limits/limit-store.js';
import { createDrafter, type FlowDrafter } from './llm/flow-drafter.js';
import { LogService } from './log-service.js';
import { McpClientPool } from './mcp-client/client-pool.js';
import { ClaimCheckStore } from './outputs/claim-check-store.js';
import { OutputStore } from './outputs/output-store.js';
import { RunService } from './run-service.js';
import { loadSecretKey } from './secrets/secret-key.js';
import type { SecretSource } from './secrets/secret-source.js';
import { layeredSecrets, SecretStore } from './secrets/secret-store.js';
import { ApiKeyService } from './security/api-keys.js';
import { AuditLog } from './security/audit-log.js';
import { knownSecretValues } from './security/audit-redaction.js';
import { openStore, type Store } from './store/database.js';
import { telemetryEnabled } from './telemetry/telemetry-settings.js';
import { claimCheckDataConverter } from './temporal/claim-check-codec.js';
import { connectClient } from './temporal/connection-settings.js';
import { otherStoreNotice, storeIdentity } from './temporal/store-identity.js';
import { TriggerService } from './triggers/trigger-service.js';

export interface ServicesContextOptions {
  /** Where lines about waiting (for Temporal, for another store) go; the CLI prints them on stderr. */
  onProgress?: (line: string) => void;
  /** Say when the Temporal service reached serves another data directory (default true; a service that is that service says nothing). */
  noticeOtherStore?: boolean;
}

/** The services of a process, from its configuration. */
export function buildServices(config: WeftConfig, options: ServicesContextOptions = {}): ServicesContext {
  return new ServicesContext(config, options);
}

export class ServicesContext {
  private store?: Promise<Store>;
  private client?: Promise<Client>;
  private flowService?: Promise<FlowService>;
  private secretStore?: Promise<SecretStore>;
  private triggerService?: Promise<TriggerService>;
  private readonly progress: (line: string) => void;
  private mcp?: Promise<McpClientPool>;

  constructor(
    readonly config: WeftConfig,
    private readonly options: ServicesContextOptions = {},
  ) {
    this.progress = options.onProgress ?? (() => {});
  }

  flows(): Promise<FlowService> {
    this.flowService ??= this.database().then((store) => new FlowService(store));
    return this.flowService;
  }

  async logs(): Promise<LogService> {
    return new LogService(await this.database());
  }

  /** The encrypted secrets of the store (the key is WEFT_SECRET_KEY or the data directory's key file). */
  secrets(): Promise<SecretStore> {
    this.secretStore ??= this.database().then(async (store) => new SecretStore(store, await this.secretKey()));
    return this.secretStore;
  }

  /** Where a flow's `secret()` reads from: the store, then WEFT_SECRET_<NAME>. */
  async secretSource(): Promise<SecretSource> {
    return layeredSecrets(await this.secrets(), this.config.envSecrets);
  }

  /** Clients of the configured MCP servers (WEFT_MCP_SERVERS), for validation and the task catalog; servers start on first use. */
  mcpServers(): Promise<McpClientPool> {
    this.mcp ??= this.secretSource()
      .catch(() => this.config.envSecrets)
      .then((secrets) => new McpClientPool(this.config.mcpServers, secrets));
    return this.mcp;
  }

  /** The audit log of the store, redacting the values of its secrets (when the key opens them). */
  async audit(): Promise<AuditLog> {
    const secrets = await this.secrets().catch(() => undefined);
    return new AuditLog(await this.database(), { secretValues: knownSecretValues(secrets) });
  }

  /** The task cache of the store (`weft cache clear`). */
  async cache(): Promise<CacheService> {
    return new CacheService(await this.database());
  }

  /**
   * API keys and the audit log, for the commands that manage keys and read the log. This audit log
   * does not load the secret key (it redacts nothing): those commands record no secret values.
   */
  async security(): Promise<{ apiKeys: ApiKeyService; audit: AuditLog }> {
    const store = await this.database();
    return { apiKeys: new ApiKeyService(store), audit: new AuditLog(store) };
  }

  /** Drafts flows with the configured providers and default model, keys from the secrets. */
  async drafter(): Promise<FlowDrafter> {
    return createDrafter(await this.secretSource(), this.config.llm, this.config.draftModel);
  }

  /**
   * Schedule triggers on the configured Temporal service. From the first call, saves and deletes
   * through `flows()` keep the flows' Temporal Schedules in line.
   */
  triggers(): Promise<TriggerService> {
    this.triggerService ??= (async () => {
      const flows = await this.flows();
      const triggers = new TriggerService(await this.temporal(), flows, {
        namespace: this.config.temporal.connection.namespace,
        taskQueue: this.config.taskQueue,
        storeId: await storeIdentity(await this.database()),
      });
      flows.observe(triggers);
      return triggers;
    })();
    return this.triggerService;
  }

  /** Named limits: sizes in the store, holders and waiters from their keepers on the configured task queue. */
  async limits(): Promise<LimitService> {
    return new LimitService(new LimitStore(await this.database()), async () => keeperLink(await this.temporal(), this.config.taskQueue));
  }

  /** Namespace files (`weft file`, `files:` of script tasks), in the store. */
  async files(): Promise<FileService> {
    return new FileService(new NamespaceFileStore(await this.database()));
  }

  /** Runs on the configured task queue (or `taskQueue`), with links to the configured Web UI. */
  async runs(taskQueue = this.config.taskQueue): Promise<RunService> {
    const { uiUrl } = this.config;
    return new RunService(await this.temporal(), await this.flows(), taskQueue, {
      outputs: new OutputStore(join(this.config.dataDir, 'outputs')),
      ...(uiUrl ? { uiBaseUrl: uiUrl } : {}),
    });
  }

  /**
   * The Temporal client. A server that does not answer yet is waited for, up to the configured
   * wait (WEFT_TEMPORAL_WAIT_SECONDS or --temporal-wait), saying so; then TemporalUnreachableError.
   */
  temporal(): Promise<Client> {
    this.client ??= this.connect();
    return this.client;
  }

  private async connect(): Promise<Client> {
    const { connection, waitSeconds } = this.config.temporal;
    // Payloads over the history bound live in the store, so the client reads them from there.
    const dataConverter = claimCheckDataConverter(new ClaimCheckStore(await this.database()));
    const traced = telemetryEnabled(this.config.telemetry);
    const client = await connectClient(connection, { seconds: waitSeconds, onWaiting: this.progress }, dataConverter, traced);
    if (this.options.noticeOtherStore !== false) await this.sayIfAnotherStore(client);
    return client;
  }

  /** One line when the service this command reaches serves another data directory. */
  private async sayIfAnotherStore(client: Client): Promise<void> {
    const { connection } = this.config.temporal;
    try {
      const notice = await otherStoreNotice(client.workflowService, {
        namespace: connection.namespace,
        taskQueue: this.config.taskQueue,
        address: connection.address,
        storeId: await storeIdentity(await this.database()),
        dataDir: this.config.dataDir,
      });
      if (notice) this.progress(notice);
    } catch {
      // Only a notice: a server that cannot describe queues (permissions) is no reason to fail.
    }
  }

  async close(): Promise<void> {
    await (await this.mcp?.catch(() => undefined))?.close();
    const client = await this.client?.catch(() => undefined);
    await client?.connection.close();
    const store = await this.store?.catch(() => undefined);
    await store?.close();
  }

  /** The store itself, for what works on it directly (catalog entries, the worker, API keys). */
  database(): Promise<Store> {
    this.store ??= openStore({ dataDir: this.config.dataDir, ...(this.config.databaseUrl ? { url: this.config.databaseUrl } : {}) });
    return this.store;
  }

  private secretKey(): Promise<Buffer> {
    // The key is passed to its loader as the only variable it reads, from the configuration.
    return loadSecretKey(this.config.dataDir, this.config.secretKey ? { WEFT_SECRET_KEY: this.config.secretKey } : {});
  }
}
