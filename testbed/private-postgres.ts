// A private PostgreSQL cluster for the test suite and the benchmarks: initdb into a temporary
// directory, start it on a loopback port, stop and remove it afterwards. Runs as the `postgres`
// user when started as root (PostgreSQL refuses to run as root).

import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  /** Stops the server (fast shutdown: connections are cut), keeping its data, for outage tests. */
  pause(): Promise<void>;
  /** Starts the paused server again on the same port and data. */
  resume(): Promise<void>;
}

async function findBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : undefined;
}

export interface PrivatePostgresOptions {
  /**
   * Keep fsync (the benchmarks: a store measured as it would run); commits still do not wait for
   * their WAL flush, as the Temporal dev server's SQLite does not. Off, the test suite's default,
   * nothing is flushed: its data lives for one run.
   */
  durable?: boolean;
  maxConnections?: number;
}

export async function startPrivatePostgres(port: number, settings: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = await findBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin): install the Debian package postgresql');
  const dir = await mkdtemp(join(tmpdir(), 'weft-pg-'));
  await chmod(dir, 0o755);
  const asRoot = userInfo().uid === 0;
  const asPg = async (command: string, args: string[]) => {
    const full = join(bin, command);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', full, ...args]) : run(full, args);
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  await asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'weft', '--no-sync', '-E', 'UTF8']);
  const flush = settings.durable ? '' : ' -c fsync=off -c full_page_writes=off';
  const connections = settings.maxConnections ? ` -c max_connections=${settings.maxConnections}` : '';
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_commit=off${flush}${connections}`;
  const start = () => asPg('pg_ctl', ['-D', data, '-o', options, '-w', '-l', join(dir, 'log'), 'start']);
  await start();
  return {
    url: `postgres://weft@127.0.0.1:${port}/postgres`,
    async pause() {
      await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async resume() {
      await start();
    },
    async stop() {
      await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
