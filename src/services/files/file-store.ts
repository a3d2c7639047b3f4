// Namespace files in the store: one row per (namespace, path), the bytes with their size and
// sha256. Bounds and path rules are the file service's; this is only the table's reads and writes.

import { sql } from 'kysely';
import type { Store } from '../store/database.js';

/** A namespace file without its bytes, as every adapter lists it. */
export interface FileInfo {
  namespace: string;
  path: string;
  bytes: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
  updatedAt: string;
}

export class NamespaceFileStore {
  constructor(private readonly store: Store) {}

  async list(namespace: string): Promise<FileInfo[]> {
    const rows = await this.store.db
      .selectFrom('namespace_files')
      .select(['namespace', 'path', 'bytes', 'sha256', 'updated_at'])
      .where('namespace', '=', namespace)
      .orderBy('path')
      .execute();
    return rows.map(infoOf);
  }

  async info(namespace: string, path: string): Promise<FileInfo | undefined> {
    const row = await this.store.db
      .selectFrom('namespace_files')
      .select(['namespace', 'path', 'bytes', 'sha256', 'updated_at'])
      .where('namespace', '=', namespace)
      .where('path', '=', path)
      .executeTakeFirst();
    return row ? infoOf(row) : undefined;
  }

  async read(namespace: string, path: string): Promise<{ info: FileInfo; data: Buffer } | undefined> {
    const row = await this.store.db.selectFrom('namespace_files').selectAll().where('namespace', '=', namespace).where('path', '=', path).executeTakeFirst();
    return row ? { info: infoOf(row), data: Buffer.from(row.data) } : undefined;
  }

  /** Files and bytes a namespace holds, the file at `except` left out (it is about to be replaced). */
  async usage(namespace: string, except?: string): Promise<{ files: number; bytes: number }> {
    let query = this.store.db
      .selectFrom('namespace_files')
      .select([sql<number>`count(*)`.as('files'), sql<number>`coalesce(sum(bytes), 0)`.as('bytes')])
      .where('namespace', '=', namespace);
    if (except !== undefined) query = query.where('path', '!=', except);
    const row = await query.executeTakeFirst();
    return { files: Number(row?.files ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  /** Writes a file; answers whether it is new. */
  async write(namespace: string, path: string, data: Buffer, sha256: string): Promise<{ info: FileInfo; created: boolean }> {
    const now = new Date().toISOString();
    const existed = (await this.info(namespace, path)) !== undefined;
    await this.store.db
      .insertInto('namespace_files')
      .values({ namespace, path, data, bytes: data.length, sha256, created_at: now, updated_at: now })
      .onConflict((c) => c.columns(['namespace', 'path']).doUpdateSet({ data, bytes: data.length, sha256, updated_at: now }))
      .execute();
    return { info: { namespace, path, bytes: data.length, sha256, updatedAt: now }, created: !existed };
  }

  /** Removes a file; answers whether it was there. */
  async remove(namespace: string, path: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('namespace_files').where('namespace', '=', namespace).where('path', '=', path).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function infoOf(row: { namespace: string; path: string; bytes: number; sha256: string; updated_at: string }): FileInfo {
  return { namespace: row.namespace, path: row.path, bytes: Number(row.bytes), sha256: row.sha256, updatedAt: row.updated_at };
}
