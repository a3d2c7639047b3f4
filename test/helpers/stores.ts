// Real stores for tests: a fresh SQLite file, and a fresh database on the PostgreSQL that
// scripts/run-tests.ts started (WEFT_TEST_POSTGRES_URL).

import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type Store, type StoreKind } from '../../src/services/store/database.js';

export const STORE_KINDS: StoreKind[] = ['sqlite', 'postgres'];

export async function openTestStore(kind: StoreKind): Promise<Store> {
  const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'store-'));
  if (kind === 'sqlite') return openStore({ url: join(dataDir, 'weft.db'), dataDir });
  return openStore({ url: await createTestPostgresDatabase(), dataDir });
}

/** A fresh, empty database on the test PostgreSQL; its URL. */
export async function createTestPostgresDatabase(): Promise<string> {
  const admin = process.env.WEFT_TEST_POSTGRES_URL;
  if (!admin) throw new Error('WEFT_TEST_POSTGRES_URL is not set: run tests with `npm test`, which starts PostgreSQL');
  const name = `weft_${randomUUID().replaceAll('-', '')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
