// Secrets kept in the store, encrypted with AES-256-GCM, each in one namespace or global.
// Values are decrypted only when an activity resolves `secret()`; listing shows names,
// namespaces and dates, never values.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WeftError } from '../../core/errors.js';
import { NAMESPACE_PATTERN } from '../../core/spec/schemas.js';
import type { Store } from '../store/database.js';
import { GLOBAL_SECRETS, type SecretSource } from './secret-source.js';

const NAME = /^[A-Za-z0-9_]{1,128}$/;
/** Largest secret value, in bytes. */
const MAX_SECRET_BYTES = 64 * 1024;

/** Thrown when a stored secret cannot be decrypted: the key is not the one it was stored with. */
export class SecretKeyMismatchError extends WeftError {
  constructor(readonly secret: string) {
    super('SECRET_KEY_MISMATCH', `secret ${secret} cannot be decrypted with this key`, {
      hint: 'use the WEFT_SECRET_KEY (or secret.key file) the secret was stored with, or set the secret again',
    });
  }
}

export class InvalidSecretError extends WeftError {}

export class SecretStore implements SecretSource {
  /** Plaintext by stored ciphertext, for `values()`; a secret that cannot be decrypted maps to undefined. */
  private readonly decrypted = new Map<string, string | undefined>();

  constructor(
    private readonly store: Store,
    private readonly key: Buffer,
  ) {}

  /**
   * Sets a secret of `namespace` (default: global, which flows of every namespace may read).
   * Secrets stored before namespaces existed are global.
   */
  async set(name: string, value: string, namespace: string = GLOBAL_SECRETS): Promise<{ name: string; namespace: string; created: boolean }> {
    if (!NAME.test(name))
      throw new InvalidSecretError('SECRET_NAME_INVALID', `secret name "${name}" must match [A-Za-z0-9_]{1,128}`, { hint: 'e.g. GITHUB_TOKEN' });
    checkNamespace(namespace);
    if (Buffer.byteLength(value) > MAX_SECRET_BYTES)
      throw new InvalidSecretError('SECRET_TOO_LARGE', `secret ${name} is larger than ${MAX_SECRET_BYTES} bytes`);
    const now = new Date().toISOString();
    const ciphertext = this.encrypt(value);
    const existing = await this.store.db.selectFrom('secrets').select('name').where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
    if (existing)
      await this.store.db.updateTable('secrets').set({ ciphertext, updated_at: now }).where('namespace', '=', namespace).where('name', '=', name).execute();
    else await this.store.db.insertInto('secrets').values({ namespace, name, ciphertext, created_at: now, updated_at: now }).execute();
    return { name, namespace, created: !existing };
  }

  /** Secrets by namespace and name; with `namespace`, that namespace's and the global ones only. */
  async list(namespace?: string): Promise<Array<{ name: string; namespace: string; updatedAt: string }>> {
    let query = this.store.db.selectFrom('secrets').select(['name', 'namespace', 'updated_at']);
    if (namespace !== undefined) query = query.where('namespace', 'in', [namespace, GLOBAL_SECRETS]);
    const rows = await query.orderBy('namespace').orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, namespace: r.namespace, updatedAt: r.updated_at }));
  }

  async delete(name: string, namespace: string = GLOBAL_SECRETS): Promise<{ deleted: boolean }> {
    const result = await this.store.db.deleteFrom('secrets').where('namespace', '=', namespace).where('name', '=', name).executeTakeFirst();
    return { deleted: Number(result.numDeletedRows) > 0 };
  }

  /**
   * The value a flow of `namespace` reads as `secret(name)`: its namespace's own, else the global
   * one; never another namespace's. Without `namespace`, the global one only.
   */
  async get(name: string, namespace?: string): Promise<string | undefined> {
    const scopes = namespace !== undefined && namespace !== GLOBAL_SECRETS ? [namespace, GLOBAL_SECRETS] : [GLOBAL_SECRETS];
    const rows = await this.store.db
      .selectFrom('secrets')
      .select(['namespace', 'ciphertext'])
      .where('name', '=', name)
      .where('namespace', 'in', scopes)
      .execute();
    const row = rows.find((r) => r.namespace !== GLOBAL_SECRETS) ?? rows[0];
    return row ? this.decrypt(name, row.ciphertext) : undefined;
  }

  /**
   * The values of every stored secret this key decrypts (one stored under another key cannot be
   * read, so it is left out). One query per call; only a ciphertext not seen before is decrypted,
   * and every `set` writes a new ciphertext (a fresh IV), so a changed secret is never missed.
   */
  async values(): Promise<string[]> {
    const rows = await this.store.db.selectFrom('secrets').select(['name', 'ciphertext']).execute();
    const values: string[] = [];
    const seen = new Set<string>();
    for (const { name, ciphertext } of rows) {
      seen.add(ciphertext);
      if (!this.decrypted.has(ciphertext)) this.decrypted.set(ciphertext, this.tryDecrypt(name, ciphertext));
      const value = this.decrypted.get(ciphertext);
      if (value) values.push(value);
    }
    for (const ciphertext of this.decrypted.keys()) if (!seen.has(ciphertext)) this.decrypted.delete(ciphertext);
    return values;
  }

  private tryDecrypt(name: string, ciphertext: string): string | undefined {
    try {
      return this.decrypt(name, ciphertext);
    } catch {
      return undefined;
    }
  }

  private encrypt(value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  private decrypt(name: string, text: string): string {
    const raw = Buffer.from(text, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyMismatchError(name);
    }
  }
}

function checkNamespace(namespace: string): void {
  if (namespace !== GLOBAL_SECRETS && !NAMESPACE_PATTERN.test(namespace))
    throw new InvalidSecretError('SECRET_NAMESPACE_INVALID', `secret namespace "${namespace}" must match ${NAMESPACE_PATTERN.source}`, {
      hint: 'use the namespace of the flows that read it, e.g. team-a, or --global for every namespace',
    });
}

/** The store first, then the `WEFT_SECRET_<NAME>` environment fallback (global). */
export function layeredSecrets(...sources: SecretSource[]): SecretSource {
  return {
    async get(name, namespace) {
      for (const source of sources) {
        const value = await source.get(name, namespace);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  };
}
