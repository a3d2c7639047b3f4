// Cached task outputs in the store (table task_cache), shared by every worker of the store: a
// lookup answers the output and where it came from while the entry is fresh; expired entries
// are deleted now and then as entries are stored, and by `weft cache clear`.

import type { CacheOrigin } from '../../core/runs/run-types.js';
import type { Store } from '../store/database.js';
import type { CacheSubject } from './cache-key.js';

/** A fresh entry: the stored output and where it came from. */
export interface CacheHit {
  output: unknown;
  origin: CacheOrigin;
}

/** Who stores an entry: the task run whose output it is. */
export interface CacheWriter extends CacheSubject {
  runId: string;
  iteration?: number[];
}

/** Which entries `clear` removes: by flow, by task id (both: that task of that flow), or all. */
export type CacheFilter = { all: true } | { flow: string; taskId?: string } | { flow?: string; taskId: string };

/** Least time between two prunes of expired entries by one TaskCache, in ms (10 minutes). */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

export class TaskCache {
  private lastPrune = 0;

  constructor(private readonly store: Store) {}

  /** The entry under `key` if it has not expired by `now`. */
  async lookup(key: string, now = new Date()): Promise<CacheHit | undefined> {
    const row = await this.store.db
      .selectFrom('task_cache')
      .select(['value', 'run_id', 'task_id', 'iteration', 'created_at', 'expires_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row || row.expires_at <= now.toISOString()) return undefined;
    const origin: CacheOrigin = { runId: row.run_id, taskId: row.task_id, at: row.created_at };
    if (row.iteration) origin.iteration = JSON.parse(row.iteration) as number[];
    return { output: JSON.parse(row.value) as unknown, origin };
  }

  /** Stores (or replaces) the entry under `key` for `ttlMs`; prunes expired entries at most every 10 minutes. */
  async put(key: string, writer: CacheWriter, output: unknown, ttlMs: number, now = new Date()): Promise<void> {
    const row = {
      key,
      namespace: writer.namespace,
      flow: writer.flow,
      task_id: writer.taskId,
      run_id: writer.runId,
      iteration: writer.iteration ? JSON.stringify(writer.iteration) : null,
      value: JSON.stringify(output ?? null),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
    };
    const { key: _key, ...update } = row;
    await this.store.db
      .insertInto('task_cache')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet(update))
      .execute();
    if (now.getTime() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      await this.prune(now);
    }
  }

  /** Deletes the entries `filter` selects, expired or not; returns how many went. */
  async clear(filter: CacheFilter): Promise<number> {
    let query = this.store.db.deleteFrom('task_cache');
    if (!('all' in filter)) {
      if (filter.flow !== undefined) query = query.where('flow', '=', filter.flow);
      if (filter.taskId !== undefined) query = query.where('task_id', '=', filter.taskId);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes entries expired by `now`; returns how many went. */
  async prune(now = new Date()): Promise<number> {
    const result = await this.store.db.deleteFrom('task_cache').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
