// API keys for the MCP HTTP transport: created with a scope (and perhaps one namespace), shown
// once, kept only as a SHA-256 hash, checked as bearer tokens, revoked by id or prefix.

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../../core/spec/schemas.js';
import type { Store } from '../store/database.js';
import type { ApiKeysTable } from '../store/schema.js';
import { ApiKeyAmbiguousError, ApiKeyInvalidError, ApiKeyNotFoundError, ApiKeyOptionsError } from './api-key-errors.js';
import { type Principal, Scope } from './principal.js';

/** Every token starts with this, so it is recognisable in configs and by secret scanners. */
export const TOKEN_PREFIX = 'weft_';
/** A token: the prefix and 32 random bytes as base64url (43 characters). */
const TOKEN_PATTERN = /^weft_[A-Za-z0-9_-]{43}$/;
/** Characters of the token kept in clear for display: `weft_` and 8 more (48 of its 256 bits). */
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;
/** `last_used_at` is written at most this often per key (ms), so that requests do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Options of a new key. */
export const CreateApiKey = z
  .object({
    scope: Scope,
    namespace: z.string().regex(NAMESPACE_PATTERN, `must match ${NAMESPACE_PATTERN.source}`).optional(),
    name: z
      .string()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters')
      .optional(),
    /** Whether a non-admin key may save and run flows with `script` tasks. Default false. */
    allowScripts: z.boolean().default(false),
    /** Whether the key is a person's, named by `name`: it answers approvals as that person. Default false. */
    person: z.boolean().default(false),
  })
  .strict()
  .refine((key) => !key.person || key.name !== undefined, { path: ['name'], message: "is required for a person's key: it names the person" });
export type CreateApiKey = z.input<typeof CreateApiKey>;

/** A key as listed: never its token nor its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scope: Scope;
  namespace?: string;
  allowScripts: boolean;
  /** Present and true on a person's key. */
  person?: boolean;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

/** A new key with its token, which is shown this once and cannot be recovered. */
export interface CreatedApiKey extends ApiKeyInfo {
  token: string;
}

export class ApiKeyService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a key. The name defaults to its prefix. Throws ApiKeyOptionsError for invalid options. */
  async create(options: CreateApiKey): Promise<CreatedApiKey> {
    const parsed = CreateApiKey.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'options';
      const hint =
        field === 'scope'
          ? 'e.g. weft apikey create --scope run'
          : field === 'name'
            ? 'e.g. weft apikey create --scope run --person --name "Ada Lovelace"'
            : undefined;
      throw new ApiKeyOptionsError(`API key ${field} ${issue?.message ?? 'is invalid'}`, hint);
    }
    const { scope, namespace, name, allowScripts, person } = parsed.data;
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const prefix = token.slice(0, DISPLAY_PREFIX_LENGTH);
    const row: ApiKeysTable = {
      id: randomUUID(),
      name: name ?? prefix,
      token_hash: hashToken(token).toString('hex'),
      prefix,
      scope,
      namespace: namespace ?? null,
      allow_scripts: allowScripts ? 1 : 0,
      person: person ? 1 : 0,
      created_at: this.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.store.db.insertInto('api_keys').values(row).execute();
    return { ...toInfo(row), token };
  }

  /** Every key, revoked ones included, oldest first. */
  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.store.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toInfo);
  }

  /**
   * Revokes the key with this id or display prefix; `revoked` is false when it already was.
   * Throws ApiKeyNotFoundError, or ApiKeyAmbiguousError when a prefix names several keys.
   */
  async revoke(idOrPrefix: string): Promise<{ key: ApiKeyInfo; revoked: boolean }> {
    const rows = await this.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
      .execute();
    const [row] = rows;
    if (!row) throw new ApiKeyNotFoundError(idOrPrefix);
    if (rows.length > 1)
      throw new ApiKeyAmbiguousError(
        idOrPrefix,
        rows.map((r) => r.id),
      );
    if (row.revoked_at !== null) return { key: toInfo(row), revoked: false };
    const revokedAt = this.now().toISOString();
    await this.store.db.updateTable('api_keys').set({ revoked_at: revokedAt }).where('id', '=', row.id).where('revoked_at', 'is', null).execute();
    return { key: toInfo({ ...row, revoked_at: revokedAt }), revoked: true };
  }

  /**
   * The principal of a bearer token, or ApiKeyInvalidError (missing, malformed, unknown,
   * revoked). Records when the key was last used, to the minute.
   */
  async verify(token: string | undefined): Promise<Principal> {
    if (token === undefined || token === '') throw new ApiKeyInvalidError('missing');
    if (!TOKEN_PATTERN.test(token)) throw new ApiKeyInvalidError('malformed');
    // Look up by the clear prefix, then compare hashes in constant time: the response time says
    // nothing about how much of a guessed hash matched.
    const hash = hashToken(token);
    const candidates = await this.store.db.selectFrom('api_keys').selectAll().where('prefix', '=', token.slice(0, DISPLAY_PREFIX_LENGTH)).execute();
    const row = candidates.find((c) => timingSafeEqual(Buffer.from(c.token_hash, 'hex'), hash));
    if (!row) throw new ApiKeyInvalidError('unknown');
    if (row.revoked_at !== null) throw new ApiKeyInvalidError('revoked');
    const now = this.now();
    const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
    await this.store.db
      .updateTable('api_keys')
      .set({ last_used_at: now.toISOString() })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', stale)]))
      .execute();
    return {
      keyId: row.id,
      name: row.name,
      prefix: row.prefix,
      scope: Scope.parse(row.scope),
      ...(row.namespace !== null ? { namespace: row.namespace } : {}),
      allowScripts: row.allow_scripts === 1,
      ...(row.person === 1 ? { person: true } : {}),
    };
  }
}

// A plain SHA-256 is enough here, and a slow KDF (bcrypt, scrypt, argon2) would add nothing:
// slow hashing protects low-entropy secrets such as passwords from dictionary guessing, while a
// token is 256 random bits, beyond any guessing however fast the hash. A fast hash also keeps
// the per-request check cheap, so invalid tokens cannot be used to burn CPU.
function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function toInfo(row: ApiKeysTable): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: Scope.parse(row.scope),
    ...(row.namespace !== null ? { namespace: row.namespace } : {}),
    allowScripts: row.allow_scripts === 1,
    ...(row.person === 1 ? { person: true } : {}),
    createdAt: row.created_at,
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}
