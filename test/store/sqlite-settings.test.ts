// The SQLite store's documented durability: WAL with synchronous=NORMAL (1), on the connection
// that creates the file and on a reopen, whatever default the SQLite build carries; processes
// that open a new store at the same moment all migrate it without stepping on each other.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/services/store/database.js';

const OPEN_STORE = `
import { openStore } from ${JSON.stringify(new URL('../../src/services/store/database.ts', import.meta.url).href)};
// Every process opens at the same agreed moment, after its slow start.
await new Promise((resolve) => setTimeout(resolve, Number(process.argv[3]) - Date.now()));
const store = await openStore({ url: process.argv[1], dataDir: process.argv[2] });
const rows = await store.db.selectFrom('weft_migrations').select('name').execute();
process.stdout.write(String(rows.length));
await store.close();
`;

function openInProcess(url: string, dir: string, at: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', OPEN_STORE, url, dir, String(at)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

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

  it('lets several processes open and migrate a new store at the same moment', async () => {
    const url = join(dir, 'raced.db');
    const at = Date.now() + 3000;
    const opened = await Promise.all(Array.from({ length: 4 }, () => openInProcess(url, dir, at)));
    for (const result of opened) assert.equal(result.code, 0, result.stderr);
    const counts = new Set(opened.map((r) => r.stdout));
    assert.equal(counts.size, 1, `the processes saw different migration counts: ${[...counts].join(', ')}`);
    assert.ok(Number([...counts][0]) > 10);
  });
});
