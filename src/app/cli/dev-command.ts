// `weft dev`: the all-in-one for a laptop. The Weft service (the Temporal dev server on a SQLite
// file in the data directory unless TEMPORAL_ADDRESS points elsewhere, a worker, MCP over HTTP)
// with the example flows; runs the hello example once and says where everything is.

import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readFlowFile } from '../../adapters/cli/flow-commands.js';
import { progress, runCommand } from '../../adapters/cli/output.js';
import { cliConfig, TEMPORAL_WAIT_HELP } from '../../adapters/cli/with-services.js';
import { ConfigError, WeftError } from '../../core/errors.js';
import { projectPath } from '../../services/config/paths.js';
import { loadConfig, type WeftConfig } from '../../services/config/weft-config.js';
import type { FlowService } from '../../services/flow-service.js';
import { LogService } from '../../services/log-service.js';
import { startLogRetention } from '../../services/logging/log-retention.js';
import { type Logger, logFailure, weftLogger } from '../../services/logging/logger.js';
import { installTemporalLogging } from '../../services/logging/temporal-logging.js';
import type { ServicesContext } from '../../services/services-context.js';
import { connectClient } from '../../services/temporal/connection-settings.js';
import { liveService } from '../server/service-record.js';
import { startWeftServer } from '../server/weft-server.js';

const EXAMPLES = projectPath('examples');
/** MCP's usual port; when it is taken, `weft dev` serves MCP on a free one (and says which). */
const DEFAULT_MCP_PORT = 8765;

interface DevOptions {
  port: string;
  uiPort: string;
  mcpPort?: string;
  mcp: boolean;
  dataDir?: string;
  example: boolean;
  temporalWait?: string;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start Temporal (embedded dev server), a worker, MCP over HTTP and the example flows')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--mcp-port <port>', `MCP Streamable HTTP port (default ${DEFAULT_MCP_PORT}, or a free one when that is taken)`)
    .option('--no-mcp', 'serve no MCP endpoint')
    .option('--data-dir <dir>', 'data directory (default WEFT_DATA_DIR or ~/.weft)')
    .option('--no-example', 'do not run the hello example at start')
    .option('--temporal-wait <seconds>', `with TEMPORAL_ADDRESS set: ${TEMPORAL_WAIT_HELP}`)
    .action((options: DevOptions) => runCommand({}, () => dev(options)));
}

async function dev(options: DevOptions): Promise<number> {
  const logger = weftLogger();
  try {
    return await serveDev(options, logger);
  } catch (error) {
    logFailure(logger, 'weft dev failed', error);
    throw error;
  }
}

async function serveDev(options: DevOptions, logger: Logger): Promise<number> {
  installTemporalLogging(logger);
  const config = cliConfig({ dataDir: options.dataDir, temporalWait: options.temporalWait });
  const dir = config.dataDir;
  await checkBeforeStart(config);
  const service = await startWeftServer({
    config,
    temporalPort: portNumber(options.port, '--port'),
    uiPort: portNumber(options.uiPort, '--ui-port'),
    mcp: options.mcp ? { host: '127.0.0.1', port: await mcpPort(options.mcpPort) } : false,
    mode: 'dev',
    progress,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // Stay subscribed: a second signal (npm passes the terminal's Ctrl-C on once more) would
    // otherwise kill the process halfway through stopping.
    if (stopping) return;
    stopping = true;
    progress('stopping: letting running tasks finish');
    logger.info({ signal }, 'weft dev stopping');
    void service.stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const retention = startLogRetention({ logs: new LogService(service.store), retentionDays: config.logRetentionDays, logger });
  try {
    await saveDirectory(service.flows, EXAMPLES);
    const { temporalAddress, namespace, taskQueue, uiUrl, mcpUrl, apiUrl } = service.record;
    logger.info({ dataDir: dir, temporalAddress, namespace, taskQueue, uiUrl, mcpUrl, apiUrl }, 'weft dev started');
    progress(`Weft is up. Temporal at ${temporalAddress}${uiUrl ? `, Web UI at ${uiUrl}` : ''}; data in ${dir}`);
    if (mcpUrl) progress(mcpHint(dir, mcpUrl));
    if (apiUrl) progress(`HTTP API: ${apiUrl} (OpenAPI at ${apiUrl}/openapi.json)`);
    if (service.record.consoleUrl) progress(`web console: ${service.record.consoleUrl}`);
    if (options.example) await runHello(service.services);
    progress('Run a flow:   npx weft run start examples/hello.yaml --input name=you --watch');
    progress('Saved flows: npx weft flow list    Runs: npx weft run list    Logs: npx weft run logs <runId>');
    progress('Validate one: npx weft flow validate my-flow.yaml');
    progress('Stop with Ctrl-C.');
    await service.running;
  } finally {
    await retention.stop();
    await service.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  logger.info('weft dev stopped');
  return 0;
}

/** Refuses to start a second service on the data directory; waits for a configured Temporal. */
async function checkBeforeStart(config: WeftConfig): Promise<void> {
  const dir = config.dataDir;
  const other = await liveService(dir);
  if (other) {
    throw new WeftError('SERVICE_RUNNING', `a Weft service already runs for ${dir} (pid ${other.pid}, ${other.mode}, Temporal ${other.temporalAddress})`, {
      hint: 'use it, stop it with `weft server stop`, or give weft dev another --data-dir',
    });
  }
  if (config.temporal.addressGiven) {
    const client = await connectClient(config.temporal.connection, { seconds: config.temporal.waitSeconds, onWaiting: progress });
    await client.connection.close();
  }
}

/** How to point an assistant at this service: `weft mcp` finds it through the data directory. */
function mcpHint(dir: string, mcpUrl: string): string {
  // The assistant starts `weft mcp` without this shell's environment: name any other data dir.
  const env = dir === loadConfig({}).dataDir ? '' : ` -e WEFT_DATA_DIR=${dir}`;
  return `AI assistants (MCP): claude mcp add weft${env} -- node ${projectPath('bin', 'weft.js')} mcp    or Streamable HTTP at ${mcpUrl}`;
}

/** Saves every flow file of a directory into the registry (unchanged files make no new revision). */
async function saveDirectory(flows: FlowService, dir: string): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (/\.(ya?ml|json)$/.test(name)) await flows.save(await readFlowFile(join(dir, name)), `loaded by weft dev from ${name}`);
  }
}

/** Runs the saved hello example through the run service, as `weft run start examples/hello` would. */
async function runHello(services: ServicesContext): Promise<void> {
  const runs = await services.runs();
  const { runId } = await runs.start({ flow: 'examples/hello', inputs: { name: 'Weft' }, trigger: 'cli' });
  await runs.waitForClose(runId);
  const view = await runs.get(runId);
  progress(`example run ${runId}: ${view.state} ${JSON.stringify(view.outputs ?? view.error)}`);
}

function portNumber(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number 0-65535 (got ${value})`);
  return port;
}

/** The port asked for; without one, the usual port when it is free, else 0 (the OS picks). */
async function mcpPort(asked: string | undefined): Promise<number> {
  if (asked !== undefined) return portNumber(asked, '--mcp-port');
  return (await portFree(DEFAULT_MCP_PORT)) ? DEFAULT_MCP_PORT : 0;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}
