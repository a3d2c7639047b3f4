// A real Temporal server for the cluster test lane (not the dev server): its own databases on the
// suite's PostgreSQL (`temporal`, `temporal_visibility`, schema set up by Temporal's SQL tool),
// persistence and visibility both there, every service on a free loopback port, the `default`
// namespace registered. Weft's search attributes are left to Weft itself (its workers register
// them at start), as on any cluster Weft joins.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { stringify } from 'yaml';
import { TemporalSetupError } from '../src/core/errors.js';
import { portFree } from '../src/services/temporal/loopback-ports.js';
import { ensureTemporalServer, type TemporalServerBinaries } from '../src/services/temporal/temporal-server.js';

const run = promisify(execFile);

/** Temporal's two databases on the suite's PostgreSQL. */
export const TEMPORAL_DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

export interface PrivateTemporalServer {
  /** The frontend's gRPC address (TEMPORAL_ADDRESS). */
  address: string;
  /** URL of the persistence database, so tests can see runs in Temporal's own tables. */
  persistenceUrl: string;
  visibilityUrl: string;
  stop(): Promise<void>;
}

export interface PrivateTemporalServerOptions {
  /** The suite's PostgreSQL (any database on it; Temporal's databases are created beside). */
  postgresUrl: string;
  /** Holds the server's config and log. */
  workDir: string;
  /**
   * Dynamic config values (key to value), for every namespace. The benchmarks give the server the
   * visibility rate the dev server has: a Temporal server's default, 10 visibility calls a second
   * per namespace, holds back `list_runs` past that.
   */
  dynamicConfig?: Record<string, string | number | boolean>;
  progress: (line: string) => void;
}

/** Builds the server if needed, sets up its databases, starts it and waits until `default` answers. */
export async function startPrivateTemporalServer(options: PrivateTemporalServerOptions): Promise<PrivateTemporalServer> {
  const { progress } = options;
  const binaries = await ensureTemporalServer(progress);
  const pg = new URL(options.postgresUrl);
  progress('setting up the Temporal server’s databases with its SQL tool');
  for (const [database, schema] of [
    [TEMPORAL_DATABASES.persistence, 'temporal'],
    [TEMPORAL_DATABASES.visibility, 'visibility'],
  ] as const) {
    await setUpDatabase(binaries, pg, database, schema);
  }
  await mkdir(join(options.workDir, 'config'), { recursive: true });
  // Each service picks its ports just before the start; another process may take one between
  // the pick and the bind, and the server then exits during start. A second start picks again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(binaries.server, pg, options, attempt);
    } catch (error) {
      if (!(error instanceof ServerExitedEarly) || attempt >= START_ATTEMPTS) throw error;
      progress(`the Temporal server exited during start (${error.message}); starting it again`);
    }
  }
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 120_000;

class ServerExitedEarly extends TemporalSetupError {}

async function setUpDatabase(binaries: TemporalServerBinaries, pg: URL, database: string, schema: 'temporal' | 'visibility'): Promise<void> {
  const common = ['--plugin', 'postgres12', '--ep', pg.hostname, '--port', pg.port || '5432', '--user', decodeURIComponent(pg.username), '--db', database];
  // The password goes by the tool's environment variable, not on a command line any process can list.
  const env = { ...process.env, SQL_PASSWORD: decodeURIComponent(pg.password) };
  const sql = async (...args: string[]) => {
    try {
      await run(binaries.sql, [...common, ...args], { env });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new TemporalSetupError(`temporal-sql-tool ${args[0]} on ${database} failed: ${lastLine(`${stdout ?? ''}\n${stderr ?? ''}`)}`, undefined, error);
    }
  };
  await sql('create-database');
  await sql('setup-schema', '-v', '0.0');
  await sql('update-schema', '-d', join(binaries.schemaDir, schema, 'versioned'));
}

async function launch(server: string, pg: URL, options: PrivateTemporalServerOptions, attempt: number): Promise<PrivateTemporalServer> {
  const taken = new Set<number>();
  const port = async () => {
    const picked = await freePortBelowEphemeral(taken);
    taken.add(picked);
    return picked;
  };
  const ports = {
    frontend: await port(),
    frontendMembership: await port(),
    history: await port(),
    historyMembership: await port(),
    matching: await port(),
    matchingMembership: await port(),
    worker: await port(),
    workerMembership: await port(),
  };
  const address = `127.0.0.1:${ports.frontend}`;
  const dynamicConfigFile = join(options.workDir, 'config', 'dynamic.yaml');
  await writeFile(dynamicConfigFile, stringify(Object.fromEntries(Object.entries(options.dynamicConfig ?? {}).map(([key, value]) => [key, [{ value }]]))));
  await writeFile(join(options.workDir, 'config', 'development.yaml'), stringify(serverConfig(pg, ports, address, dynamicConfigFile)));
  const logFile = join(options.workDir, `server-${attempt}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(server, ['--root', options.workDir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = () => stopServer(child, exited);
  options.progress(`waiting for the Temporal server at ${address} (log ${logFile})`);
  try {
    await waitUntilReady(address, exited, logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = (database: string) => Object.assign(new URL(pg.toString()), { pathname: `/${database}` }).toString();
  return { address, persistenceUrl: url(TEMPORAL_DATABASES.persistence), visibilityUrl: url(TEMPORAL_DATABASES.visibility), stop };
}

/**
 * A free loopback port in 10000-32767. Temporal keeps membership ports in a SMALLINT column
 * (cluster_membership.rpc_port), so the OS's picks (32768 and up here) fail its start; below the
 * ephemeral range, no outgoing connection takes the port between this pick and the server's bind.
 */
async function freePortBelowEphemeral(taken: ReadonlySet<number>): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const candidate = 10_000 + Math.floor(Math.random() * 22_768);
    if (!taken.has(candidate) && (await portFree(candidate))) return candidate;
  }
  throw new TemporalSetupError('no free loopback port in 10000-32767 for the Temporal server after 200 tries');
}

/** The server's static config: Temporal's sample for PostgreSQL 12, on the suite's PostgreSQL and free ports. */
function serverConfig(pg: URL, ports: Record<string, number>, address: string, dynamicConfigFile: string): unknown {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.hostname}:${pg.port || '5432'}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(pg.username),
      password: decodeURIComponent(pg.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number | undefined, membershipPort: number | undefined) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': store(TEMPORAL_DATABASES.persistence, 20), 'postgres-visibility': store(TEMPORAL_DATABASES.visibility, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: address } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '60s' },
  };
}

/** Until the frontend answers and the `default` namespace (registered here when absent) is served. */
async function waitUntilReady(address: string, exited: Promise<number | null>, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new ServerExitedEarly(`the Temporal server exited with code ${exitCode} before it was ready: ${await logTail(logFile)}`);
    // A lazy connection can be closed even when connecting fails (see dev-server.ts).
    const connection = Connection.lazy({ address, connectTimeout: 2000 });
    try {
      await connection.ensureConnected();
      await describeOrRegister(connection);
      await connection.close();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await connection.close().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new TemporalSetupError(`the Temporal server at ${address} was not ready within ${READY_TIMEOUT_MS} ms: ${lastError}`, `see its log ${logFile}`);
}

const NOT_FOUND = 5;

async function describeOrRegister(connection: Connection): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace: 'default' });
  } catch (error) {
    if (!(isGrpcServiceError(error) && error.code === NOT_FOUND)) throw error;
    await connection.workflowService.registerNamespace({ namespace: 'default', workflowExecutionRetentionPeriod: msToTs('1 day') });
  }
  // DescribeNamespace reads the database; this answers from the frontend's namespace registry,
  // which serves a new namespace only from its next refresh (every 2 s): until then, NOT_FOUND.
  await connection.operatorService.listSearchAttributes({ namespace: 'default' });
}

async function stopServer(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function logTail(logFile: string): Promise<string> {
  return lastLine(await readFile(logFile, 'utf8').catch(() => ''));
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 1000) ?? '';
}
