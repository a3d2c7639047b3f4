// Prepared statements kept per SQL text for the SQLite store. Kysely's SQLite driver prepares
// every query afresh; the statements Weft runs most (a run's log lines, a flow lookup, an audit
// record) repeat the same text, and preparing one costs about as much as running it.

import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept, least recently used dropped first; Weft has far fewer distinct hot queries. */
const DEFAULT_CAPACITY = 256;

interface CachedStatement extends SqliteStatement {
  /** better-sqlite3: true while an `iterate()` over this statement is open. */
  readonly busy?: boolean;
}

/** A better-sqlite3 database as Kysely sees it, with `prepare` answered from a bounded cache. */
export function withStatementCache(database: SqliteDatabase, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, CachedStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) {
        // An open iterator holds its statement; a second use of the same text gets its own.
        if (cached.busy) return database.prepare(sql);
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql) as CachedStatement;
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
