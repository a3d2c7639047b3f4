// The record a running Weft service (`weft server`, `weft dev`) keeps in its data directory,
// so that `weft mcp` and other commands find and share it instead of starting another one.

import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';

export const ServiceRecord = z.object({
  pid: z.number().int(),
  temporalAddress: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  uiUrl: z.string().optional(),
  mcpUrl: z.string().optional(),
  /** The JSON API's base URL (`…/api/v1`), on the MCP endpoint's port. */
  apiUrl: z.string().optional(),
  /** The web console's address (`…/`), on the same port. */
  consoleUrl: z.string().optional(),
  startedAt: z.string(),
  /** What started it: `server` (foreground), `background` (started by weft mcp), `dev`. */
  mode: z.string(),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

export function serviceRecordPath(dataDir: string): string {
  return join(dataDir, 'service.json');
}

export async function readServiceRecord(dataDir: string): Promise<ServiceRecord | undefined> {
  try {
    const parsed = ServiceRecord.safeParse(JSON.parse(await readFile(serviceRecordPath(dataDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeServiceRecord(dataDir: string, record: ServiceRecord): Promise<void> {
  const path = serviceRecordPath(dataDir);
  // Written whole then renamed, so a reader never sees half a record.
  await writeFile(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** Removes the record if it is still this process's. */
export async function clearServiceRecord(dataDir: string, pid = process.pid): Promise<void> {
  const record = await readServiceRecord(dataDir);
  if (record?.pid === pid) await rm(serviceRecordPath(dataDir), { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts TCP connections at `host:port` within `timeoutMs`. */
export function reachable(address: string, timeoutMs = 1000): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The record of a live service for this data directory, if one runs. */
export async function liveService(dataDir: string): Promise<ServiceRecord | undefined> {
  const record = await readServiceRecord(dataDir);
  if (!record || !processAlive(record.pid)) return undefined;
  return (await reachable(record.temporalAddress)) ? record : undefined;
}
