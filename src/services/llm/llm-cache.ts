// Cached model answers for `llm` tasks with `cache: { ttl }`: keyed by provider, model and the
// rendered request, kept in the store so they survive restarts and are shared by workers.

import { createHash } from 'node:crypto';
import type { Store } from '../store/database.js';

export interface CachedAnswer {
  text: string;
  json: unknown;
  model: string;
  finishReason: string;
}

export class LlmCache {
  constructor(private readonly store: Store) {}

  static key(provider: string, request: unknown): string {
    return createHash('sha256')
      .update(`${provider}\n${canonical(request)}`)
      .digest('hex');
  }

  async get(key: string, now = new Date()): Promise<CachedAnswer | undefined> {
    const row = await this.store.db.selectFrom('llm_cache').select(['value', 'expires_at']).where('key', '=', key).executeTakeFirst();
    if (!row || row.expires_at <= now.toISOString()) return undefined;
    return JSON.parse(row.value) as CachedAnswer;
  }

  async put(key: string, answer: CachedAnswer, ttlMs: number, now = new Date()): Promise<void> {
    const row = { key, value: JSON.stringify(answer), created_at: now.toISOString(), expires_at: new Date(now.getTime() + ttlMs).toISOString() };
    await this.store.db
      .insertInto('llm_cache')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, created_at: row.created_at, expires_at: row.expires_at }))
      .execute();
  }

  /** Deletes expired answers; returns how many went. */
  async prune(now = new Date()): Promise<number> {
    const result = await this.store.db.deleteFrom('llm_cache').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
