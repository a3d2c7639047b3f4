// Finds or builds a real Temporal server (not the dev server) and its SQL schema tool, pinned, in
// Weft's cache directory, and finds the server's PostgreSQL schema in Go's module cache: what the
// cluster test lane runs on. One `go install` builds both programs.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TemporalSetupError } from '../../core/errors.js';
import { cacheDir } from '../config/paths.js';
import { findOnPath, type GoCommand, goInstall, isExecutable, runGo } from './go-install.js';

/** The server version the lane builds: the one the dev server of TEMPORAL_CLI_VERSION embeds. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
const PACKAGES = [`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`];
/** Where the PostgreSQL schema lives in the server's module. */
const SCHEMA_PATH = join('schema', 'postgresql', 'v12');

export interface TemporalServerBinaries {
  /** The server (`server start`). */
  server: string;
  /** temporal-sql-tool: create-database, setup-schema, update-schema. */
  sql: string;
  /** Holds `temporal/versioned` and `visibility/versioned` for update-schema. */
  schemaDir: string;
}

/** The cached directory: `<cache>/temporal-server`, one per Weft cache whatever the data directory. */
export function temporalServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'temporal-server');
}

/**
 * The cached server and schema tool, built with Go when missing (a few minutes on a cold Go
 * cache), and the schema of the server's module (downloaded by Go when its module cache lacks it).
 * Throws TemporalSetupError when Go is not there: update-schema needs the module's schema files.
 */
export async function ensureTemporalServer(progress: (line: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): Promise<TemporalServerBinaries> {
  const dir = temporalServerDir(env);
  const server = join(dir, 'server');
  const sql = join(dir, 'sql');
  const go = await findOnPath('go', env);
  if (!go) {
    throw new TemporalSetupError(
      `Go is needed for the Temporal server ${TEMPORAL_SERVER_VERSION}: to build it into ${dir} and to find its PostgreSQL schema`,
      'install Go (the Go module proxy must be reachable for the first build)',
    );
  }
  const command: GoCommand = { go, env, what: `the Temporal server ${TEMPORAL_SERVER_VERSION}`, progress };
  if (!(await isExecutable(server)) || !(await isExecutable(sql))) {
    await mkdir(dir, { recursive: true });
    progress(`building the Temporal server and its SQL tool ${TEMPORAL_SERVER_VERSION} with go install into ${dir} (several minutes the first time)`);
    const started = Date.now();
    await goInstall(command, PACKAGES, dir);
    for (const path of [server, sql]) {
      if (!(await isExecutable(path))) throw new TemporalSetupError(`go install finished but ${path} is missing`);
    }
    progress(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return { server, sql, schemaDir: join(await moduleDir(command), SCHEMA_PATH) };
}

const ModuleDownload = z.object({ Dir: z.string().min(1) });

/** The server module's directory in Go's module cache (`go mod download` fetches it when absent). */
async function moduleDir(command: GoCommand): Promise<string> {
  const printed = await runGo(command, ['mod', 'download', '-json', MODULE], { GOFLAGS: '-mod=mod' });
  let json: unknown;
  try {
    json = JSON.parse(printed);
  } catch {
    json = undefined;
  }
  const parsed = ModuleDownload.safeParse(json);
  if (!parsed.success) throw new TemporalSetupError(`go mod download -json ${MODULE} printed no module directory (Dir)`);
  return parsed.data.Dir;
}
