// A running Weft service: Temporal (the embedded dev server unless TEMPORAL_ADDRESS points at
// one), a worker, and the MCP endpoint over Streamable HTTP (webhooks, the JSON API and the web
// console on the same port). `weft server`, `weft dev` and the background service that `weft mcp` starts are
// all this, with different faces.

import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { McpHttpServer } from '../../../mcp/http-server.js';
import { serveMcpHttp } from '../../../mcp/serve-http.js';
import { mcpServices } from '../../../mcp/services.js';
import { API_PREFIX } from '../../adapters/http/api/api-routes.js';
import { namedTaskQueue } from '../../core/spec/task-queues.js';
import { registerExistingWorkflows } from '../../services/code-flows/code-flow-catalog.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { type WeftConfig, withTemporalService } from '../../services/config/weft-config.js';
import type { FlowService } from '../../services/flow-service.js';
import { loadPrompts } from '../../services/prompts/prompt-library.js';
import { ApiKeyService } from '../../services/security/api-keys.js';
import { AuditWriter } from '../../services/security/audit-writer.js';
import { temporalEndpoints } from '../../services/security/egress-policy.js';
import { buildServices, type ServicesContext } from '../../services/services-context.js';
import type { Store } from '../../services/store/database.js';
import { startConfiguredTelemetry } from '../../services/telemetry/start-telemetry.js';
import { type DevServer, startDevServer } from '../../services/temporal/dev-server.js';
import { ensureSearchAttributes } from '../../services/temporal/search-attributes.js';
import { assertQueueFree, storeIdentity, workerIdentity } from '../../services/temporal/store-identity.js';
import { startTriggers } from '../../services/triggers/start-triggers.js';
import { createWeftWorker } from '../worker/weft-worker.js';
import { egressPolicyOf, workerOptionsOf } from '../worker/worker-options.js';
import { weftHttpRoutes } from './http-routes.js';
import { clearServiceRecord, type ServiceRecord, writeServiceRecord } from './service-record.js';

export interface WeftServerOptions {
  /** The configuration; its data directory is the service's. */
  config: WeftConfig;
  /** Embedded Temporal's gRPC and Web UI ports (ignored when TEMPORAL_ADDRESS is set). */
  temporalPort: number;
  uiPort: number | false;
  /** MCP over Streamable HTTP; false serves none. */
  mcp: { host: string; port: number; readOnly?: boolean; auth?: boolean } | false;
  mode: ServiceRecord['mode'];
  progress: (line: string) => void;
  /**
   * Worker groups (flow-spec `queue`) this process serves too, each by a worker of its own on
   * `<taskQueue>/<name>`, beside the worker of Weft's own queue that every server runs.
   */
  queues?: readonly string[];
}

export interface WeftServer {
  record: ServiceRecord;
  /** The configuration in effect: an embedded server's address and Web UI in place of the configured ones. */
  config: WeftConfig;
  /** The services of this configuration (run starts reach this service's Temporal). */
  services: ServicesContext;
  store: Store;
  flows: FlowService;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  /** Stops accepting work, lets running tasks finish, then stops everything it started. */
  stop(): Promise<void>;
}

export async function startWeftServer(options: WeftServerOptions): Promise<WeftServer> {
  const { progress } = options;
  const { dataDir } = options.config;
  let devServer: DevServer | undefined;
  if (!options.config.temporal.addressGiven) {
    devServer = await startDevServer({
      dataDir: join(dataDir, 'temporal'),
      port: options.temporalPort,
      uiPort: options.uiPort,
      overrides: options.config.temporal.embedded,
      progress,
    });
  }
  // The embedded server's address and Web UI replace the configured ones, for this service only.
  const config = devServer ? withTemporalService(options.config, { address: devServer.address, uiUrl: devServer.uiUrl }) : options.config;
  const settings = config.temporal.connection;
  const { taskQueue, uiUrl } = config;
  // A service is the service others are told about, not one to warn about.
  const services = buildServices(config, { noticeOtherStore: false });
  // Before the client connects: its interceptor and the worker's use the process's SDK.
  const telemetry = await startConfiguredTelemetry(config.telemetry, 'server');
  const store = await services.database();
  const flows = await services.flows();
  const connection = await NativeConnection.connect(settings.connectionOptions);
  // Workers of another store on this queue would trade runs with this one: refuse, say what to do.
  const storeId = await storeIdentity(store);
  try {
    await assertQueueFree(connection.workflowService, settings.namespace, taskQueue, storeId);
    // The embedded server registered them as it started; on any other Temporal, nothing else does.
    const refused = devServer ? undefined : await ensureSearchAttributes(connection, settings.namespace);
    if (refused) progress(`warning: ${refused}`);
  } catch (error) {
    // Leave nothing behind, the embedded server least of all: it would outlive this process.
    await connection.close();
    await services.close();
    await telemetry?.shutdown();
    await devServer?.stop();
    throw error;
  }
  if (config.existingWorkflows) await registerExistingWorkflows(store, config.existingWorkflows);
  // Flows never call this service's own ports: Temporal's (gRPC, UI, HTTP API, metrics) now, MCP once it listens.
  const egress = egressPolicyOf(
    config,
    temporalEndpoints(settings.address, {
      uiPort: devServer && options.uiPort !== false ? options.uiPort : undefined,
      httpPort: devServer?.otherPorts?.http,
      metricsPort: devServer?.otherPorts?.metrics,
    }),
  );
  const workerOptions = {
    ...(await workerOptionsOf(services)),
    connection,
    modules: await loadWeftModules(config.modules),
    egress,
    ...(telemetry ? { telemetry } : {}),
  };
  const workers = [await createWeftWorker({ ...workerOptions, identity: workerIdentity(storeId, dataDir) })];
  for (const queue of options.queues ?? []) {
    await assertQueueFree(connection.workflowService, settings.namespace, namedTaskQueue(taskQueue, queue), storeId);
    workers.push(await createWeftWorker({ ...workerOptions, queue, identity: workerIdentity(storeId, dataDir, queue) }));
  }
  const stopWorkers = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  // One worker that fails stops the others, so the service never lives on half serving.
  const running = Promise.all(
    workers.map((w) =>
      w.run().catch((error: unknown) => {
        stopWorkers();
        throw error;
      }),
    ),
  ).then(() => undefined);
  await startTriggers(services, progress);
  if (!devServer && uiUrl && URL.canParse(uiUrl)) {
    const ui = new URL(uiUrl);
    egress.protect({ host: ui.hostname, port: Number(ui.port || (ui.protocol === 'https:' ? 443 : 80)), what: "the Temporal server's Web UI" });
  }
  let http: McpHttpServer | undefined;
  let audit: AuditWriter | undefined;
  if (options.mcp) {
    const mcp = options.mcp;
    audit = new AuditWriter(await services.audit(), progress);
    const served = await mcpServices(services);
    http = await serveMcpHttp({
      host: mcp.host,
      port: mcp.port,
      ...(mcp.auth ? { auth: true } : {}),
      ...(mcp.readOnly ? { readOnly: true } : {}),
      allowedOrigins: config.mcpAllowedOrigins,
      keys: new ApiKeyService(store),
      audit,
      services: served,
      prompts: await loadPrompts(),
      log: progress,
      routes: await weftHttpRoutes(services, served, progress, telemetry?.prometheus && config.telemetry.prometheus ? telemetry.prometheus : undefined),
    });
    egress.protect({ host: mcp.host, port: Number(new URL(http.url).port), what: "Weft's own MCP endpoint" });
  }
  const record: ServiceRecord = {
    pid: process.pid,
    temporalAddress: settings.address,
    namespace: settings.namespace,
    taskQueue,
    ...(uiUrl ? { uiUrl } : {}),
    ...(http ? { mcpUrl: http.url, apiUrl: new URL(API_PREFIX, http.url).href, consoleUrl: new URL('/', http.url).href } : {}),
    startedAt: new Date().toISOString(),
    mode: options.mode,
  };
  await writeServiceRecord(dataDir, record);
  let stopping: Promise<void> | undefined;
  return {
    record,
    config,
    services,
    store,
    flows,
    running,
    stop() {
      stopping ??= (async () => {
        await clearServiceRecord(dataDir);
        await http?.close();
        await audit?.flush();
        stopWorkers();
        await running.catch(() => undefined);
        await connection.close();
        await services.close();
        await telemetry?.shutdown();
        await devServer?.stop();
      })();
      return stopping;
    },
  };
}
