// The SQLite store's documented durability: WAL with synchronous=NORMAL (1), on the connection
// that creates the file and on a reopen, whatever default the SQLite build carries.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/services/store/database.js';

async function settings(store: Store): Promise<{ journal: string; synchronous: number }> {
  const journal = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db);
  const synchronous = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(store.db);
  return { journal: journal.rows[0]?.journal_mode ?? '', synchronous: Number(synchronous.rows[0]?.synchronous) };
}

describe('SQLite store settings', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'sqlite-settings-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses WAL and synchronous=NORMAL on the connection that creates the file and on a reopen', async () => {
    const url = join(dir, 'weft.db');
    // The first open creates the file, the second finds it in WAL mode already.
    for (const open of ['creating', 'reopening']) {
      const store = await openStore({ url, dataDir: dir });
      try {
        assert.deepEqual(await settings(store), { journal: 'wal', synchronous: 1 }, open);
      } finally {
        await store.close();
      }
    }
  });
});
