// `weft dev`: the all-in-one for a laptop. Starts the Temporal dev server on a SQLite file in
// the data directory (unless TEMPORAL_ADDRESS points elsewhere), a worker with the example
// flows, runs the hello example once, and says where everything is.

import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { dataDir as defaultDataDir } from '../../config/paths.js';
import { FlowValidationError } from '../../errors.js';
import { startRun, waitForRun } from '../../runs/run-client.js';
import { loadSecretKey } from '../../secrets/secret-key.js';
import { secretsFromEnv } from '../../secrets/secret-source.js';
import { layeredSecrets, SecretStore } from '../../secrets/secret-store.js';
import { FlowService } from '../../services/flow-service.js';
import { parseFlow } from '../../spec/parse-flow.js';
import { openStore } from '../../store/database.js';
import { connectClient, loadConnectionSettings } from '../../temporal/connection-settings.js';
import { type DevServer, startDevServer } from '../../temporal/dev-server.js';
import { createWeftWorker, DEFAULT_TASK_QUEUE } from '../../worker/weft-worker.js';
import { progress, runCommand } from '../output.js';
import { readFlowFile } from './flow-commands.js';

const EXAMPLES = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'examples');

interface DevOptions {
  port: string;
  uiPort: string;
  dataDir?: string;
  example: boolean;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start Temporal (embedded dev server), a worker and the example flows')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--data-dir <dir>', 'data directory (default WEFT_DATA_DIR or ~/.weft)')
    .option('--no-example', 'do not run the hello example at start')
    .action((options: DevOptions) => runCommand({}, () => dev(options)));
}

async function dev(options: DevOptions): Promise<number> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = options.dataDir ? resolve(options.dataDir) : defaultDataDir();
  let server: DevServer | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    server = await startDevServer({ dataDir: join(dir, 'temporal'), port: Number(options.port), uiPort: Number(options.uiPort), progress });
    process.env.TEMPORAL_ADDRESS = server.address;
  }
  const settings = loadConnectionSettings();
  const store = await openStore({ dataDir: dir });
  const flows = new FlowService(store);
  await saveDirectory(flows, EXAMPLES);
  const connection = await NativeConnection.connect(settings.connectionOptions);
  const worker = await createWeftWorker({
    connection,
    namespace: settings.namespace,
    dataDir: dir,
    store,
    flows,
    secrets: layeredSecrets(new SecretStore(store, await loadSecretKey(dir)), secretsFromEnv()),
  });
  const stop = () => {
    progress('stopping: letting running tasks finish');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const running = worker.run();
  try {
    progress(`Weft is up. Temporal at ${settings.address}${server?.uiUrl ? `, Web UI at ${server.uiUrl}` : ''}; data in ${dir}`);
    if (options.example) await runHello(settings);
    progress('Run a flow:   npx weft run start examples/hello.yaml --input name=you --watch');
    progress('Saved flows: npx weft flow list    Runs: npx weft run list    Logs: npx weft run logs <runId>');
    progress('Validate one: npx weft flow validate my-flow.yaml');
    progress('Stop with Ctrl-C.');
    await running;
  } finally {
    await connection.close();
    await store.close();
    await server?.stop();
  }
  return 0;
}

/** Saves every flow file of a directory into the registry (unchanged files make no new revision). */
async function saveDirectory(flows: FlowService, dir: string): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (/\.(ya?ml|json)$/.test(name)) await flows.save(await readFlowFile(join(dir, name)), `loaded by weft dev from ${name}`);
  }
}

async function runHello(settings: ReturnType<typeof loadConnectionSettings>): Promise<void> {
  const parsed = parseFlow(await readFlowFile(join(EXAMPLES, 'hello.yaml')));
  if (!parsed.valid) throw new FlowValidationError(parsed.problems, 'examples/hello.yaml');
  const client = await connectClient(settings);
  try {
    const { runId } = await startRun(client, {
      flow: parsed.flow,
      inputs: { name: 'Weft' },
      taskQueue: process.env.WEFT_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
      trigger: 'cli',
    });
    const view = await waitForRun(client, runId);
    progress(`example run ${runId}: ${view.state} ${JSON.stringify(view.outputs ?? view.error)}`);
  } finally {
    await client.connection.close();
  }
}
