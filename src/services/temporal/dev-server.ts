// Starts and stops the embedded Temporal dev server: a SQLite file in Weft's data directory,
// the Web UI, tuned dynamic config, Weft's search attributes, and a bounded wait for readiness.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { TemporalSetupError } from '../../core/errors.js';
import { cacheDir } from '../config/paths.js';
import { parseDynamicConfigOverrides, TUNED_DYNAMIC_CONFIG, TUNED_SQLITE_PRAGMAS } from './dev-server-config.js';
import { assertPortsFree } from './dev-server-ports.js';
import { freePort } from './loopback-ports.js';
import { registerSearchAttributes } from './search-attributes.js';
import { findOrBuildTemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  /** Directory that holds the SQLite file (`temporal.db`). */
  dataDir: string;
  /** gRPC port (default 7233). */
  port?: number;
  /** Web UI port (default 8233); `false` runs headless. */
  uiPort?: number | false;
  /**
   * Dynamic config on top of the tuned defaults; `tuned: false` starts from Temporal's defaults
   * (dynamic config and SQLite pragmas).
   */
  dynamicConfig?: Record<string, string>;
  tuned?: boolean;
  /**
   * The operator's overrides of the tuned values (config.temporal.embedded: WEFT_TEMPORAL_DYNAMIC_CONFIG,
   * WEFT_TEMPORAL_SQLITE_PRAGMAS); scripts and tests that start a server without a configuration read them from the environment.
   */
  overrides?: { dynamicConfig: Record<string, string>; sqlitePragmas: Record<string, string> };
  /** How long to wait for the server to answer, in ms (default 60 s). */
  readyTimeoutMs?: number;
  namespace?: string;
  progress?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  /** The HTTP API and metrics ports it listens on too (the CLI's server only), so flows can be kept off them. */
  otherPorts?: { http: number; metrics: number };
  /** The CLI's process; absent when the SDK's downloaded server runs it. */
  process?: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const progress = options.progress ?? (() => {});
  const cli = await findOrBuildTemporalCli(progress);
  await mkdir(options.dataDir, { recursive: true });
  const port = options.port ?? 7233;
  const address = `127.0.0.1:${port}`;
  const namespace = options.namespace ?? 'default';
  const config = {
    ...(options.tuned === false ? {} : TUNED_DYNAMIC_CONFIG),
    ...(options.overrides?.dynamicConfig ?? parseDynamicConfigOverrides(process.env.WEFT_TEMPORAL_DYNAMIC_CONFIG)),
    ...options.dynamicConfig,
  };
  const configArgs = Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
  await assertPortsFree([{ port, what: 'gRPC' }, ...(options.uiPort === false ? [] : [{ port: options.uiPort ?? 8233, what: 'Web UI' }])]);
  if (!cli) return startDownloadedDevServer(options, port, namespace, configArgs, progress);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    join(options.dataDir, 'temporal.db'),
    '--log-level',
    'error',
    '--namespace',
    namespace,
  ];
  if (options.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? 8233));
  args.push(...configArgs);
  const pragmas = {
    ...(options.tuned === false ? {} : TUNED_SQLITE_PRAGMAS),
    ...(options.overrides?.sqlitePragmas ?? parseDynamicConfigOverrides(process.env.WEFT_TEMPORAL_SQLITE_PRAGMAS)),
  };
  for (const [name, value] of Object.entries(pragmas)) args.push('--sqlite-pragma', `${name}=${value}`);
  // The server picks its internal services' ports itself, and another process may take one
  // between its pick and its bind: it then exits during start. A second start picks again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchDevServer(cli, args, address, namespace, options, progress);
    } catch (error) {
      if (!(error instanceof DevServerExitedEarly)) throw error;
      if (attempt >= START_ATTEMPTS) throw new TemporalSetupError(error.message, error.hint, error);
      progress(`the Temporal dev server exited during start (${error.message}); starting it again`);
    }
  }
}

/** Starts of the dev server tried when it exits before it is ready. */
const START_ATTEMPTS = 3;

/** The dev server process ended before it answered. */
class DevServerExitedEarly extends TemporalSetupError {}

async function launchDevServer(
  cli: string,
  baseArgs: readonly string[],
  address: string,
  namespace: string,
  options: DevServerOptions,
  progress: (line: string) => void,
): Promise<DevServer> {
  // Chosen here rather than by the server, so Weft knows them and keeps http tasks off them.
  const otherPorts = { http: await freePort(), metrics: await freePort() };
  const args = [...baseArgs, '--http-port', String(otherPorts.http), '--metrics-port', String(otherPorts.metrics)];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReady(address, namespace, options.readyTimeoutMs ?? 60_000, exited, () => stderr, progress);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, uiUrl: options.uiPort === false ? undefined : `http://127.0.0.1:${options.uiPort ?? 8233}`, otherPorts, process: child, stop };
}

// Last resort when there is neither a temporal CLI nor Go: the SDK downloads the dev server.
async function startDownloadedDevServer(
  options: DevServerOptions,
  port: number,
  namespace: string,
  configArgs: string[],
  progress: (line: string) => void,
): Promise<DevServer> {
  progress('no temporal CLI and no Go to build one: asking the Temporal SDK to download the dev server');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  let env: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: join(cacheDir(), 'download') },
        ip: '127.0.0.1',
        port,
        namespace,
        dbFilename: join(options.dataDir, 'temporal.db'),
        ui: options.uiPort !== false,
        ...(options.uiPort !== false ? { uiPort: options.uiPort ?? 8233 } : {}),
        extraArgs: configArgs,
      },
    });
  } catch (error) {
    throw new TemporalSetupError(
      `the temporal CLI is not installed, Go is not available to build it, and the SDK's download failed: ${(error as Error).message.split(':').slice(0, 2).join(':')}`,
      'install Go (Weft then builds the CLI), or install the temporal CLI and set TEMPORAL_CLI_PATH',
      error,
    );
  }
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  try {
    await registerSearchAttributes(connection, namespace);
  } finally {
    await connection.close();
  }
  return { address, uiUrl: options.uiPort === false ? undefined : `http://127.0.0.1:${options.uiPort ?? 8233}`, stop: () => env.teardown() };
}

async function waitUntilReady(
  address: string,
  namespace: string,
  timeoutMs: number,
  exited: Promise<number | null>,
  stderr: () => string,
  progress: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  let lastError = '';
  progress(`waiting for the Temporal dev server at ${address}`);
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new DevServerExitedEarly(
        `the Temporal dev server exited with code ${exitCode} before it was ready: ${lastLine(stderr())}`,
        'is the port already in use? set another with --port',
      );
    }
    // A lazy connection can be closed even when connecting fails; a failed Connection.connect
    // would leave its channel open and keep the process alive.
    const connection = Connection.lazy({ address, connectTimeout: 2000 });
    try {
      await connection.ensureConnected();
      await connection.workflowService.describeNamespace({ namespace });
      await registerSearchAttributes(connection, namespace);
      await connection.close();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await connection.close().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new TemporalSetupError(
    `the Temporal dev server at ${address} was not ready within ${timeoutMs} ms: ${lastError}`,
    'see its output above, or raise the wait with readyTimeoutMs',
  );
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
