// A private PostgreSQL cluster for workload 5's Prefect server: initdb into a temporary directory,
// start on a loopback port, remove afterwards. The same recipe as scripts/test-postgres.ts, which
// the compiled bench cannot import (dist/ holds no scripts/); runs as `postgres` under root.

import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchPostgres {
  /** SQLAlchemy URL with the asyncpg driver, as Prefect's server takes it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the newest installed PostgreSQL (Debian's `postgresql`, /usr/lib/postgresql/<n>/bin) on
 * `port`. Commits do not wait for their WAL flush (`synchronous_commit=off`), as the Temporal dev
 * server's SQLite does not (WAL, `synchronous=normal`); fsync stays on for both.
 */
export async function startBenchPostgres(port: number): Promise<BenchPostgres> {
  const root = '/usr/lib/postgresql';
  const newest = (await readdir(root).catch(() => [] as string[])).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin): install the Debian package postgresql');
  const bin = join(root, newest, 'bin');
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-pg-'));
  await chmod(dir, 0o755);
  const asRoot = userInfo().uid === 0;
  const asPg = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]) : run(join(bin, command), args);
  try {
    if (asRoot) {
      const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      await chown(dir, Number(uid.trim()), Number(gid.trim()));
    }
    const data = join(dir, 'data');
    await asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'weft', '--no-sync', '-E', 'UTF8']);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=300`;
    await asPg('pg_ctl', ['-D', data, '-o', options, '-w', '-l', join(dir, 'log'), 'start']);
    return {
      url: `postgresql+asyncpg://weft@127.0.0.1:${port}/postgres`,
      async stop() {
        await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
