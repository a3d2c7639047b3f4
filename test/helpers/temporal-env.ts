// Test access to the real Temporal dev server started by scripts/run-tests.ts: a client, and
// real Weft workers on a task queue of the test's own.

import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { LlmRuntime } from '../../activities/llm-call.js';
import { createWeftWorker, type WeftWorker } from '../../src/app/worker/weft-worker.js';
import type { FlowSpec } from '../../src/core/spec/flow-spec.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import type { WeftModule } from '../../src/services/code-flows/weft-module.js';
import { loadConfig } from '../../src/services/config/weft-config.js';
import type { FlowCatalog } from '../../src/services/flows/flow-catalog.js';
import { type LogEntry, LogService } from '../../src/services/log-service.js';
import type { McpClientPool } from '../../src/services/mcp-client/client-pool.js';
import { ClaimCheckStore } from '../../src/services/outputs/claim-check-store.js';
import { type RunView, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import type { SecretSource } from '../../src/services/secrets/secret-source.js';
import { openStore, type Store } from '../../src/services/store/database.js';
import { claimCheckDataConverter } from '../../src/services/temporal/claim-check-codec.js';
import { quietRuntime } from './quiet-runtime.js';

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run tests with `npm test`, which starts the Temporal dev server');
  return address;
}

export interface TestEnv {
  client: Client;
  taskQueue: string;
  dataDir: string;
  store: Store;
  /** The run's logs from the store, oldest first. */
  logs: { read(runId: string): Promise<LogEntry[]> };
  worker?: WeftWorker;
  running?: Promise<void>;
  /** Stops the worker (graceful) and keeps the client, to test what works with no worker. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface TestEnvOptions {
  flows?: FlowCatalog;
  /** Weft modules (code flows, custom task types) the worker loads. */
  modules?: WeftModule[];
  /** Model providers for llm tasks (default: from the environment). */
  llm?: (store: Store) => LlmRuntime;
  secrets?: SecretSource;
  /** MCP clients for mcp tasks (default: a pool of WEFT_MCP_SERVERS). */
  mcp?: McpClientPool;
  startWorker?: boolean;
  address?: string;
  /** Variables the worker's configuration reads over this process's (e.g. WEFT_SCRIPT_WORKING_DIRS). */
  workerEnv?: Record<string, string>;
}

/** A client plus (by default) a running worker on a fresh task queue and data directory. */
export async function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  quietRuntime();
  const address = options.address ?? temporalAddress();
  const connection = await Connection.connect({ address });
  const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'data-'));
  const store = await openStore({ dataDir });
  // As every Weft client: payloads over the history bound are read from the store.
  const client = new Client({ connection, namespace: 'default', dataConverter: claimCheckDataConverter(new ClaimCheckStore(store)) });
  const logService = new LogService(store);
  const env: TestEnv = {
    client,
    taskQueue: `test-${randomUUID()}`,
    dataDir,
    store,
    logs: { read: async (runId) => (await logService.query({ runId, limit: 1000 })).entries },
    async stopWorker() {
      if (env.worker && env.worker.getState() === 'RUNNING') env.worker.shutdown();
      await env.running;
    },
    async close() {
      await env.stopWorker();
      await connection.close();
      await store.close();
    },
  };
  if (options.startWorker !== false) {
    const workerConnection = await NativeConnection.connect({ address });
    env.worker = await createWeftWorker({
      connection: workerConnection,
      taskQueue: env.taskQueue,
      dataDir,
      store,
      ...(options.flows ? { flows: options.flows } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.mcp ? { mcp: options.mcp } : {}),
      ...(options.llm ? { llm: options.llm(store) } : {}),
      ...(options.modules ? { modules: options.modules } : {}),
      ...(options.workerEnv ? { config: loadConfig({ ...process.env, ...options.workerEnv }) } : {}),
    });
    env.running = env.worker.run().finally(() => workerConnection.close());
  }
  return env;
}

/** Parses flow YAML and fails the test with every problem if it is invalid. */
export function flowFrom(yaml: string): FlowSpec {
  const parsed = parseFlow(yaml);
  if (!parsed.valid) throw new Error(`test flow is invalid: ${JSON.stringify(parsed.problems, null, 2)}`);
  return parsed.flow;
}

/** Starts a run of the flow and waits for it to close. */
export async function runFlow(env: TestEnv, flow: FlowSpec | string, inputs: Record<string, unknown> = {}): Promise<RunView> {
  const spec = typeof flow === 'string' ? flowFrom(flow) : flow;
  const { runId } = await startRun(env.client, { flow: spec, inputs, taskQueue: env.taskQueue });
  return waitForRun(env.client, runId);
}

/** Task run record by id (and iteration), failing clearly when absent. */
export function taskOf(view: RunView, id: string, iteration?: number[]) {
  const found = view.tasks.find((t) => t.id === id && JSON.stringify(t.iteration ?? []) === JSON.stringify(iteration ?? []));
  if (!found) throw new Error(`no task run ${id}${iteration ? `[${iteration}]` : ''} in ${view.tasks.map((t) => t.id).join(', ')}`);
  return found;
}

/** Asserts a run completed, showing its error when it did not. */
export function assertCompleted(view: RunView): void {
  if (view.state !== 'COMPLETED') throw new Error(`run ${view.runId} ended ${view.state}: ${JSON.stringify(view.error)}`);
}
