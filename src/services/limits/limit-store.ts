// Named limits' sizes in the store. Only sizes: which runs hold or wait for a slot is durable
// workflow state of the limit's keeper (docs/limits.md), never rows here.

import type { Store } from '../store/database.js';

export interface NamedLimit {
  name: string;
  /** Slots shared by every task that lists the name, in every run of every flow. */
  limit: number;
  updatedAt: string;
}

export class LimitStore {
  constructor(private readonly store: Store) {}

  async get(name: string): Promise<NamedLimit | undefined> {
    const row = await this.store.db.selectFrom('named_limits').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { name: row.name, limit: Number(row.size), updatedAt: row.updated_at } : undefined;
  }

  async list(): Promise<NamedLimit[]> {
    const rows = await this.store.db.selectFrom('named_limits').selectAll().orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, limit: Number(row.size), updatedAt: row.updated_at }));
  }

  async set(name: string, size: number): Promise<NamedLimit> {
    const updatedAt = new Date().toISOString();
    await this.store.db
      .insertInto('named_limits')
      .values({ name, size, updated_at: updatedAt })
      .onConflict((c) => c.column('name').doUpdateSet({ size, updated_at: updatedAt }))
      .execute();
    return { name, limit: size, updatedAt };
  }

  /** Removes a limit; answers whether it was set. */
  async remove(name: string): Promise<boolean> {
    const result = await this.store.db.deleteFrom('named_limits').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
