// Payloads too large for Temporal history, kept in Weft's store (SQLite or PostgreSQL) under the
// sha256 of their bytes: every worker and client sharing the store reads them, and a repeat is
// stored once.

import { createHash } from 'node:crypto';
import { WeftError } from '../../core/errors.js';
import type { Store } from '../store/database.js';

/** Thrown when the store holds no payload under a claim-check key (pruned, or another store). */
export class ClaimCheckNotFoundError extends WeftError {
  constructor(
    readonly key: string,
    location: string,
  ) {
    super('CLAIM_CHECK_NOT_FOUND', `claim-check payload ${key} is not in the store at ${location}`, {
      hint: 'every worker and client of a Temporal namespace must share one store (WEFT_DATABASE_URL); the payload may also have been pruned',
    });
  }
}

/** A read refreshes `touched_at` only when it is older than this, so replays cost no write each. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

export class ClaimCheckStore {
  constructor(private readonly store: Store) {}

  /** Where the payloads live, without credentials (for error messages). */
  get location(): string {
    return this.store.location;
  }

  /** Stores bytes under their sha256 (hex), once; returns the key. */
  async put(data: Uint8Array): Promise<string> {
    const key = createHash('sha256').update(data).digest('hex');
    const now = new Date().toISOString();
    await this.store.db
      .insertInto('claim_checks')
      .values({ key, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), bytes: data.byteLength, created_at: now, touched_at: now })
      .onConflict((c) => c.column('key').doUpdateSet({ touched_at: now }))
      .execute();
    return key;
  }

  /** The bytes stored under `key`; ClaimCheckNotFoundError when there are none. */
  async get(key: string): Promise<Uint8Array> {
    const row = await this.store.db.selectFrom('claim_checks').select(['data', 'touched_at']).where('key', '=', key).executeTakeFirst();
    if (!row) throw new ClaimCheckNotFoundError(key, this.store.location);
    if (Date.now() - Date.parse(row.touched_at) > TOUCH_EVERY_MS) {
      await this.store.db.updateTable('claim_checks').set({ touched_at: new Date().toISOString() }).where('key', '=', key).execute();
    }
    return row.data;
  }

  /**
   * Deletes payloads neither stored nor read since `before` (ISO time); returns how many. Safe once
   * `before` is older than the namespace's retention plus the longest a run stays open unread.
   */
  async prune(before: string): Promise<number> {
    const result = await this.store.db.deleteFrom('claim_checks').where('touched_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
