// The services a trigger test needs, wired as the server wires them (saves and deletes keep the
// flows' Schedules in line), and a real MCP SDK client over an in-memory transport to them.

import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { buildServer } from '../../mcp/build-server.js';
import { FlowService } from '../../src/services/flow-service.js';
import { LogService } from '../../src/services/log-service.js';
import { OutputStore } from '../../src/services/outputs/output-store.js';
import { RunService } from '../../src/services/run-service.js';
import { storeIdentity } from '../../src/services/temporal/store-identity.js';
import { TriggerService } from '../../src/services/triggers/trigger-service.js';
import type { TestEnv } from './temporal-env.js';

export interface TriggerServices {
  flows: FlowService;
  triggers: TriggerService;
  runs: RunService;
}

/** Flow, trigger and run services on the test's store and Temporal, saves observed by the triggers. */
export async function triggerServices(env: TestEnv): Promise<TriggerServices> {
  const flows = new FlowService(env.store);
  const triggers = new TriggerService(env.client, flows, { namespace: 'default', taskQueue: env.taskQueue, storeId: await storeIdentity(env.store) });
  flows.observe(triggers);
  const runs = new RunService(env.client, flows, env.taskQueue, { outputs: new OutputStore(join(env.dataDir, 'outputs')) });
  return { flows, triggers, runs };
}

/** An MCP client with every tool, connected to a server over these services; `namespace` binds it to one namespace, as a key can be. */
export async function triggerMcpClient(env: TestEnv, namespace?: string): Promise<Client> {
  const { flows, triggers, runs } = await triggerServices(env);
  const server = buildServer(
    { flows, runs, logs: new LogService(env.store), triggers },
    {
      caller: namespace === undefined ? 'local' : `key:${namespace}`,
      toolVisible: () => true,
      scriptsAllowed: true,
      ...(namespace === undefined ? {} : { namespace }),
    },
    [],
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'weft-test', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}
