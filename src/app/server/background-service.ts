// One background Weft service per data directory, started on demand by `weft mcp` when no
// Temporal server is configured: it outlives the assistant that started it (runs keep going
// when the assistant closes), and every later `weft mcp` (a second assistant too) reuses it.
// A lock file makes concurrent starters agree on one service instead of racing for ports.

import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { WeftError } from '../../core/errors.js';
import { projectPath } from '../../services/config/paths.js';
import { liveService, processAlive, readServiceRecord, type ServiceRecord } from './service-record.js';

const WEFT_BIN = projectPath('bin', 'weft.js');
/** A first start may build the Temporal CLI from source; later starts take seconds. */
const START_TIMEOUT_MS = 15 * 60 * 1000;
/** A lock older than this whose owner is gone is stale. */
const STALE_LOCK_MS = 30_000;

export class BackgroundServiceError extends WeftError {
  constructor(message: string, logFile: string) {
    super('SERVICE_START_FAILED', message, { hint: `see ${logFile}; or start Weft yourself with \`weft server\` and set TEMPORAL_ADDRESS` });
  }
}

export function serviceLogPath(dataDir: string): string {
  return join(dataDir, 'service.log');
}

/** Returns the live service of `dataDir`, starting one in the background if none runs. */
export async function ensureBackgroundService(dataDir: string, progress: (line: string) => void): Promise<ServiceRecord> {
  const existing = await liveService(dataDir);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, 'service.lock');
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const lock = await tryLock(lockPath);
    if (lock) {
      try {
        // Someone may have finished starting one between our check and the lock.
        const started = (await liveService(dataDir)) ?? (await spawnService(dataDir, progress, deadline));
        return started;
      } finally {
        await rm(lockPath, { force: true });
      }
    }
    // Another process is starting the service: wait for its record.
    const record = await liveService(dataDir);
    if (record) return record;
    await delay(250);
  }
  throw new BackgroundServiceError(
    `the background Weft service for ${dataDir} did not start within ${START_TIMEOUT_MS / 60000} minutes`,
    serviceLogPath(dataDir),
  );
}

async function tryLock(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600);
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(lockPath, 'utf8').catch(() => ''));
    const age = Date.now() - (await stat(lockPath).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if ((owner > 0 && !processAlive(owner)) || (!(owner > 0) && age > STALE_LOCK_MS)) await rm(lockPath, { force: true });
    return false;
  }
}

async function spawnService(dataDir: string, progress: (line: string) => void, deadline: number): Promise<ServiceRecord> {
  const logFile = serviceLogPath(dataDir);
  const log = await open(logFile, 'a', 0o600);
  progress(`weft: starting the background Weft service for ${dataDir} (log: ${logFile})`);
  const env = { ...process.env };
  delete env.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, [WEFT_BIN, 'server', '--background', '--data-dir', dataDir], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env,
  });
  child.unref();
  await log.close();
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new BackgroundServiceError(`the background Weft service exited at start (code ${exitCode})`, logFile);
    const record = await readServiceRecord(dataDir);
    if (record && record.pid === child.pid && (await liveService(dataDir))) {
      progress(
        `weft: background service ready (Temporal ${record.temporalAddress}${record.uiUrl ? `, Web UI ${record.uiUrl}` : ''}${record.apiUrl ? `, API ${record.apiUrl}` : ''}${record.consoleUrl ? `, console ${record.consoleUrl}` : ''})`,
      );
      return record;
    }
    await delay(200);
  }
  throw new BackgroundServiceError('the background Weft service did not become ready in time', logFile);
}
