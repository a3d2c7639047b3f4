// The SQLite store's statement cache: a repeated query reuses its prepared statement, a
// statement held by an open iterator is not handed out twice, and the cache stays bounded.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { withStatementCache } from '../../src/services/store/statement-cache.js';

/** A better-sqlite3 database that counts the statements it prepares. */
function countingDatabase(file: string): { database: SqliteDatabase; prepared: string[] } {
  const inner = new SQLite(file);
  const prepared: string[] = [];
  return {
    prepared,
    database: {
      prepare(sql: string) {
        prepared.push(sql);
        return inner.prepare(sql);
      },
      close: () => inner.close(),
    },
  };
}

describe('statement cache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-statements-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prepares a query once and runs it again with new parameters', () => {
    const { database, prepared } = countingDatabase(join(dir, 'a.db'));
    const cached = withStatementCache(database);
    cached.prepare('create table t (n integer)').run([]);
    for (let n = 1; n <= 3; n++) cached.prepare('insert into t (n) values (?)').run([n]);
    assert.deepEqual(cached.prepare('select n from t order by n').all([]), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.deepEqual(prepared, ['create table t (n integer)', 'insert into t (n) values (?)', 'select n from t order by n']);
    cached.close();
  });

  it('gives a query whose statement an open iterator holds a statement of its own', () => {
    const { database, prepared } = countingDatabase(join(dir, 'b.db'));
    const cached = withStatementCache(database);
    cached.prepare('create table t (n integer)').run([]);
    cached.prepare('insert into t (n) values (1), (2)').run([]);
    const outer = cached.prepare('select n from t order by n').iterate([]);
    assert.deepEqual(outer.next().value, { n: 1 });
    assert.deepEqual(cached.prepare('select n from t order by n').all([]), [{ n: 1 }, { n: 2 }]);
    assert.deepEqual(outer.next().value, { n: 2 });
    outer.return?.();
    assert.equal(prepared.filter((sql) => sql.startsWith('select')).length, 2);
    cached.close();
  });

  it('drops the least recently used statement past its capacity', () => {
    const { database, prepared } = countingDatabase(join(dir, 'c.db'));
    const cached = withStatementCache(database, 2);
    for (const sql of ['select 1', 'select 2', 'select 1', 'select 3', 'select 1', 'select 2']) cached.prepare(sql).all([]);
    // 'select 2' was the oldest when 'select 3' came, so it is prepared again; 'select 1' stayed.
    assert.deepEqual(prepared, ['select 1', 'select 2', 'select 3', 'select 2']);
    cached.close();
  });
});
