// `weft server`: the long-running Weft service (embedded Temporal unless TEMPORAL_ADDRESS is
// set, a worker, MCP over Streamable HTTP). `weft server status` and `weft server stop` manage
// the one running for a data directory, including the background one `weft mcp` starts.

import { setTimeout as delay } from 'node:timers/promises';
import type { Command } from 'commander';
import { printResult, progress, runCommand } from '../../adapters/cli/output.js';
import { cliConfig } from '../../adapters/cli/with-services.js';
import { ConfigError, WeftError } from '../../core/errors.js';
import { DEFAULT_QUEUE } from '../../core/spec/task-queues.js';
import { LogService } from '../../services/log-service.js';
import { startLogRetention } from '../../services/logging/log-retention.js';
import { weftLogger } from '../../services/logging/logger.js';
import { installTemporalLogging } from '../../services/logging/temporal-logging.js';
import { freePort, portFree } from '../../services/temporal/loopback-ports.js';
import { liveService, processAlive } from '../server/service-record.js';
import { startWeftServer } from '../server/weft-server.js';
import { workerQueues } from '../worker/main.js';

interface ServerOptions {
  port: string;
  uiPort: string;
  mcpHost: string;
  mcpPort: string;
  mcp: boolean;
  dataDir?: string;
  background?: boolean;
  queue: string[];
}

export function registerServerCommand(program: Command): void {
  const server = program
    .command('server')
    .description('run the Weft service: Temporal (embedded unless TEMPORAL_ADDRESS is set), a worker, and MCP over HTTP')
    .option('--port <port>', 'embedded Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'embedded Temporal Web UI port', '8233')
    .option('--mcp-host <host>', 'MCP HTTP bind address', '127.0.0.1')
    .option('--mcp-port <port>', 'MCP HTTP port', '8765')
    .option('--no-mcp', 'serve no MCP endpoint')
    .option('--data-dir <dir>', 'data directory (default WEFT_DATA_DIR or ~/.weft)')
    .option('--background', 'run as the background service of `weft mcp` (takes free ports when the usual ones are taken)')
    .option(
      '--queue <name>',
      "also serve this worker group: tasks with this queue (task queue WEFT_TASK_QUEUE/NAME); repeat for more; Weft's own queue is always served",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .action((options: ServerOptions) => runCommand({}, () => serve(options)));
  server
    .command('status')
    .description('show the Weft service running for the data directory')
    .option('--data-dir <dir>', 'data directory')
    .option('--json', 'print JSON')
    .action((_options: SubcommandOptions, command: Command) => {
      const options = subcommandOptions(command);
      return runCommand(options, async () => {
        const record = await liveService(cliConfig({ dataDir: options.dataDir }).dataDir);
        printResult(options, { running: Boolean(record), ...(record ? { service: record } : {}) }, () =>
          record
            ? `running (pid ${record.pid}, ${record.mode}): Temporal ${record.temporalAddress}${record.uiUrl ? `, UI ${record.uiUrl}` : ''}${record.mcpUrl ? `, MCP ${record.mcpUrl}` : ''}${record.apiUrl ? `, API ${record.apiUrl}` : ''}${record.consoleUrl ? `, console ${record.consoleUrl}` : ''}`
            : 'no Weft service runs for this data directory',
        );
        return record ? 0 : 3;
      });
    });
  server
    .command('stop')
    .description('stop the Weft service running for the data directory (running tasks finish first)')
    .option('--data-dir <dir>', 'data directory')
    .option('--json', 'print JSON')
    .action((_options: SubcommandOptions, command: Command) => {
      const options = subcommandOptions(command);
      return runCommand(options, async () => {
        const record = await liveService(cliConfig({ dataDir: options.dataDir }).dataDir);
        if (!record) {
          printResult(options, { stopped: false }, () => 'no Weft service runs for this data directory');
          return 0;
        }
        process.kill(record.pid, 'SIGTERM');
        for (let i = 0; i < 300 && processAlive(record.pid); i++) await delay(100);
        if (processAlive(record.pid))
          throw new WeftError('SERVICE_STOP_TIMEOUT', `the Weft service (pid ${record.pid}) is still stopping after 30 s`, {
            hint: 'long tasks may still be finishing; run weft server status',
          });
        printResult(options, { stopped: true, pid: record.pid }, () => `stopped the Weft service (pid ${record.pid})`);
        return 0;
      });
    });
}

interface SubcommandOptions {
  dataDir?: string;
  json?: boolean;
}

/**
 * `server` itself takes `--data-dir`, and commander hands an option to the first command that
 * declares it, so `weft server stop --data-dir DIR` would leave DIR on the parent: read both.
 */
function subcommandOptions(command: Command): SubcommandOptions {
  const own = command.opts<SubcommandOptions>();
  const parent = command.parent?.opts<SubcommandOptions>() ?? {};
  const dataDir = own.dataDir ?? parent.dataDir;
  return { ...(dataDir ? { dataDir } : {}), ...(own.json ? { json: true } : {}) };
}

async function serve(options: ServerOptions): Promise<number> {
  // The server's worker holds the runs, so Weft's own queue is served whatever the groups.
  const queues = workerQueues(options.queue).filter((queue) => queue !== DEFAULT_QUEUE);
  const config = cliConfig({ dataDir: options.dataDir });
  const dir = config.dataDir;
  const running = await liveService(dir);
  if (running) {
    throw new WeftError('SERVICE_RUNNING', `a Weft service already runs for ${dir} (pid ${running.pid}, Temporal ${running.temporalAddress})`, {
      hint: 'use it, or stop it with `weft server stop`',
    });
  }
  const pick = async (value: string, name: string) => {
    const port = portNumber(value, name);
    return options.background && !(await portFree(port)) ? 0 : port;
  };
  const temporalPort = (await pick(options.port, '--port')) || (await freePort());
  const uiPort = (await pick(options.uiPort, '--ui-port')) || (await freePort());
  const logger = weftLogger();
  installTemporalLogging(logger);
  const service = await startWeftServer({
    config,
    temporalPort,
    uiPort,
    mcp: options.mcp ? { host: options.mcpHost, port: await pick(options.mcpPort, '--mcp-port') } : false,
    mode: options.background ? 'background' : 'server',
    progress,
    queues,
  });
  const retention = startLogRetention({ logs: new LogService(service.store), retentionDays: config.logRetentionDays, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while stopping (npm and terminals repeat Ctrl-C) must not cut the stop short.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'weft server stopping');
    progress('weft server: stopping (running tasks finish first)');
    void retention.stop().then(() => service.stop());
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const { record } = service;
  logger.info({ dataDir: dir, ...record }, 'weft server started');
  progress(
    `weft server up: Temporal ${record.temporalAddress}${record.uiUrl ? `, Web UI ${record.uiUrl}` : ''}${record.mcpUrl ? `, MCP ${record.mcpUrl}` : ''}${record.apiUrl ? `, API ${record.apiUrl}` : ''}${record.consoleUrl ? `, console ${record.consoleUrl}` : ''}${queues.length ? `, worker groups ${queues.join(', ')}` : ''}; data in ${dir}`,
  );
  await service.running;
  await retention.stop();
  await service.stop();
  logger.info('weft server stopped');
  return 0;
}

function portNumber(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${name} must be a port number 0-65535 (got ${value})`);
  return port;
}
