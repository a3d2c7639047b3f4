// Opens Weft's store: a SQLite file in the data directory by default, PostgreSQL when
// WEFT_DATABASE_URL is a postgres URL. Migrations run on open.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import { ConfigError, WeftError } from '../../core/errors.js';
import { ensurePrivateDir, tightenFileModes } from '../config/paths.js';
import { weftLogger } from '../logging/logger.js';
import { migrationProvider } from './migrations.js';
import type { StoreSchema } from './schema.js';
import { withStatementCache } from './statement-cache.js';
import { availabilityDialect } from './store-availability.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<StoreSchema>;
  kind: StoreKind;
  /** Where the data lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

/** Opens the store named by `url` (a postgres URL, a file path, or ':memory:'), migrating it. */
export async function openStore(options: { url?: string; dataDir: string }): Promise<Store> {
  const url = options.url ?? process.env.WEFT_DATABASE_URL;
  // The data directory holds the store, the secret key and outputs: private to its owner.
  if (!url) await ensurePrivateDir(options.dataDir);
  const opened = url && /^postgres(ql)?:\/\//.test(url) ? { store: await openPostgres(url) } : await openSqlite(url ?? join(options.dataDir, 'weft.db'));
  const { store } = opened;
  try {
    await migrate(store, 'database' in opened ? opened.database : undefined);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openPostgres(url: string): Promise<Store> {
  let location: string;
  try {
    const parsed = new URL(url);
    location = `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    throw new ConfigError('WEFT_DATABASE_URL is not a valid URL', 'write it as postgres://user:password@host:5432/database');
  }
  // Loaded only for a PostgreSQL store, so the default SQLite setup never holds the driver.
  const { default: pg } = await import('pg');
  // A connect attempt while the database is away fails within seconds instead of hanging.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // Without these listeners a lost connection (a PostgreSQL restart) is an 'error' event nobody
  // handles, which ends the process. Queries on a lost connection fail on their own, as
  // StoreUnavailableError (see store-availability.ts), and the pool connects anew afterwards.
  const report = reportConnectionLoss(location);
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  const db = new Kysely<StoreSchema>({ dialect: availabilityDialect(new PostgresDialect({ pool }), location) });
  return { db, kind: 'postgres', location, close: () => db.destroy() };
}

/** Logs a lost connection once per outage (the first error after a quiet minute), never throws. */
function reportConnectionLoss(location: string): (error: Error) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last > 60_000) weftLogger().warn({ store: location, error: error.message }, 'lost a connection to the store; reconnecting when it is back');
    last = now;
  };
}

async function openSqlite(file: string): Promise<{ store: Store; database: SQLite.Database }> {
  if (file !== ':memory:') await securePrivateFiles(file);
  const database = new SQLite(file);
  // WAL lets readers work while a writer commits; a busy timeout rides out short lock waits
  // (set first: switching a new file to WAL is itself a write another process may be making).
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  // Said here, not left to the build: better-sqlite3 compiles in NORMAL as the default for WAL
  // files, and another SQLite build may differ. NORMAL in WAL survives a crash of any process
  // (as the embedded Temporal server's database does, see dev-server-config.ts); only power loss
  // or an operating-system crash can undo the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { store: { db, kind: 'sqlite', location: file, close: () => db.destroy() }, database };
}

/**
 * The store holds every tenant's encrypted secrets and the audit log: the database (created
 * empty with 0600, so SQLite gives its -wal and -shm files the same mode) is readable by its
 * owner only, also when it already existed with a wider mode.
 */
async function securePrivateFiles(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, '', { flag: 'a', mode: 0o600 });
  await tightenFileModes(file, `${file}-wal`, `${file}-shm`);
}

/** How long a process waits for another one migrating the same SQLite file. */
const SQLITE_MIGRATION_WAIT_MS = 60_000;

/**
 * On PostgreSQL the migrator takes a lock of its own. On SQLite it takes none across processes,
 * so processes opening a new store at once (a CLI command beside a starting worker) would both
 * create its tables: there the migrations run inside one IMMEDIATE transaction on the driver's
 * only connection, which also leaves nothing half done when one fails.
 */
async function migrate(store: Store, sqlite?: SQLite.Database): Promise<void> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.kind),
    migrationTableName: 'weft_migrations',
    migrationLockTableName: 'weft_migrations_lock',
  });
  if (sqlite) await beginImmediate(sqlite, store.location);
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  try {
    outcome = await migrator.migrateToLatest();
  } catch (error) {
    if (sqlite?.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
  const { error, results } = outcome;
  if (sqlite?.inTransaction) sqlite.exec(error ? 'ROLLBACK' : 'COMMIT');
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new WeftError(
      'STORE_MIGRATION_FAILED',
      `migrating the store at ${store.location} failed${failed ? ` at ${failed}` : ''}: ${(error as Error).message}`,
      {
        hint: 'check that the database is reachable and that this Weft is not older than the one that last migrated it',
      },
    );
  }
}

/** Takes SQLite's write lock, waiting (beyond the busy timeout) while another process migrates. */
async function beginImmediate(sqlite: SQLite.Database, location: string): Promise<void> {
  const deadline = Date.now() + SQLITE_MIGRATION_WAIT_MS;
  for (;;) {
    try {
      sqlite.exec('BEGIN IMMEDIATE');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) {
        throw new WeftError('STORE_MIGRATION_FAILED', `migrating the store at ${location} failed: ${(error as Error).message}`, {
          hint: 'another process holds the database locked; stop it or wait, then try again',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
