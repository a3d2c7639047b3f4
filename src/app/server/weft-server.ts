// A running Weft service: Temporal (the embedded dev server unless TEMPORAL_ADDRESS points at
// one), a worker, and the MCP endpoint over Streamable HTTP. `weft server`, `weft dev` and
// the background service that `weft mcp` starts are all this, with different faces.

import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import type { McpHttpServer } from '../../../mcp/http-server.js';
import { serveMcpHttp } from '../../../mcp/serve-http.js';
import type { McpServices } from '../../../mcp/services.js';
import { registerExistingWorkflows } from '../../services/code-flows/code-flow-catalog.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { DEFAULT_TASK_QUEUE } from '../../services/config/task-queue.js';
import { FlowService } from '../../services/flow-service.js';
import { createDrafter } from '../../services/llm/flow-drafter.js';
import { LogService } from '../../services/log-service.js';
import { OutputStore } from '../../services/outputs/output-store.js';
import { loadPrompts } from '../../services/prompts/prompt-library.js';
import { RunService } from '../../services/run-service.js';
import { loadSecretKey } from '../../services/secrets/secret-key.js';
import { secretsFromEnv } from '../../services/secrets/secret-source.js';
import { layeredSecrets, SecretStore } from '../../services/secrets/secret-store.js';
import { ApiKeyService } from '../../services/security/api-keys.js';
import { AuditLog } from '../../services/security/audit-log.js';
import { knownSecretValues } from '../../services/security/audit-redaction.js';
import { AuditWriter } from '../../services/security/audit-writer.js';
import { egressPolicyFromEnv, temporalEndpoints } from '../../services/security/egress-policy.js';
import { openStore, type Store } from '../../services/store/database.js';
import { connectClient, loadConnectionSettings } from '../../services/temporal/connection-settings.js';
import { type DevServer, startDevServer } from '../../services/temporal/dev-server.js';
import { assertQueueFree, storeIdentity, workerIdentity } from '../../services/temporal/store-identity.js';
import { createWeftWorker } from '../worker/weft-worker.js';
import { clearServiceRecord, type ServiceRecord, writeServiceRecord } from './service-record.js';

export interface WeftServerOptions {
  dataDir: string;
  /** Embedded Temporal's gRPC and Web UI ports (ignored when TEMPORAL_ADDRESS is set). */
  temporalPort: number;
  uiPort: number | false;
  /** MCP over Streamable HTTP; false serves none. */
  mcp: { host: string; port: number; readOnly?: boolean; auth?: boolean } | false;
  mode: ServiceRecord['mode'];
  progress: (line: string) => void;
}

export interface WeftServer {
  record: ServiceRecord;
  store: Store;
  flows: FlowService;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  /** Stops accepting work, lets running tasks finish, then stops everything it started. */
  stop(): Promise<void>;
}

export async function startWeftServer(options: WeftServerOptions): Promise<WeftServer> {
  const { dataDir, progress } = options;
  let devServer: DevServer | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    devServer = await startDevServer({ dataDir: join(dataDir, 'temporal'), port: options.temporalPort, uiPort: options.uiPort, progress });
    process.env.TEMPORAL_ADDRESS = devServer.address;
  }
  const settings = loadConnectionSettings();
  const taskQueue = process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const store = await openStore({ dataDir });
  const flows = new FlowService(store);
  const connection = await NativeConnection.connect(settings.connectionOptions);
  // Workers of another store on this queue would trade runs with this one: refuse, say what to do.
  const storeId = await storeIdentity(store);
  try {
    await assertQueueFree(connection.workflowService, settings.namespace, taskQueue, storeId);
  } catch (error) {
    // Leave nothing behind, the embedded server least of all: it would outlive this process.
    await connection.close();
    await store.close();
    await devServer?.stop();
    throw error;
  }
  const secretStore = new SecretStore(store, await loadSecretKey(dataDir));
  const secrets = layeredSecrets(secretStore, secretsFromEnv());
  if (process.env.WEFT_EXISTING_WORKFLOWS) await registerExistingWorkflows(store, process.env.WEFT_EXISTING_WORKFLOWS);
  // Flows never call this service's own ports: Temporal's (gRPC, UI, HTTP API, metrics) now, MCP once it listens.
  const egress = egressPolicyFromEnv(
    temporalEndpoints(settings.address, {
      uiPort: devServer && options.uiPort !== false ? options.uiPort : undefined,
      httpPort: devServer?.otherPorts?.http,
      metricsPort: devServer?.otherPorts?.metrics,
    }),
  );
  const worker = await createWeftWorker({
    connection,
    namespace: settings.namespace,
    taskQueue,
    dataDir,
    store,
    flows,
    secrets,
    modules: await loadWeftModules(),
    egress,
    identity: workerIdentity(storeId, dataDir),
  });
  const running = worker.run();
  const uiUrl = devServer?.uiUrl ?? process.env.WEFT_UI_URL;
  if (!devServer && uiUrl && URL.canParse(uiUrl)) {
    const ui = new URL(uiUrl);
    egress.protect({ host: ui.hostname, port: Number(ui.port || (ui.protocol === 'https:' ? 443 : 80)), what: "the Temporal server's Web UI" });
  }
  let http: McpHttpServer | undefined;
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  let audit: AuditWriter | undefined;
  if (options.mcp) {
    const mcp = options.mcp;
    client = await connectClient(settings);
    const drafter = createDrafter(secrets);
    const services: McpServices = {
      draft: (goal, model, signal) => drafter(goal, model, signal),
      flows,
      runs: new RunService(client, flows, taskQueue, { outputs: new OutputStore(join(dataDir, 'outputs')), ...(uiUrl ? { uiBaseUrl: uiUrl } : {}) }),
      logs: new LogService(store),
    };
    audit = new AuditWriter(new AuditLog(store, { secretValues: knownSecretValues(secretStore) }), progress);
    http = await serveMcpHttp({
      host: mcp.host,
      port: mcp.port,
      ...(mcp.auth ? { auth: true } : {}),
      ...(mcp.readOnly ? { readOnly: true } : {}),
      keys: new ApiKeyService(store),
      audit,
      services,
      prompts: await loadPrompts(),
      log: progress,
    });
    egress.protect({ host: mcp.host, port: Number(new URL(http.url).port), what: "Weft's own MCP endpoint" });
  }
  const record: ServiceRecord = {
    pid: process.pid,
    temporalAddress: settings.address,
    namespace: settings.namespace,
    taskQueue,
    ...(uiUrl ? { uiUrl } : {}),
    ...(http ? { mcpUrl: http.url } : {}),
    startedAt: new Date().toISOString(),
    mode: options.mode,
  };
  await writeServiceRecord(dataDir, record);
  let stopping: Promise<void> | undefined;
  return {
    record,
    store,
    flows,
    running,
    stop() {
      stopping ??= (async () => {
        await clearServiceRecord(dataDir);
        await http?.close();
        await audit?.flush();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await client?.connection.close();
        await connection.close();
        await store.close();
        await devServer?.stop();
      })();
      return stopping;
    },
  };
}
