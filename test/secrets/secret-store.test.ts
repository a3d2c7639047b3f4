import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { ConfigError } from '../../src/core/errors.js';
import { loadSecretKey } from '../../src/services/secrets/secret-key.js';
import { GLOBAL_SECRETS, secretsFromEnv } from '../../src/services/secrets/secret-source.js';
import { InvalidSecretError, layeredSecrets, SecretKeyMismatchError, SecretStore } from '../../src/services/secrets/secret-store.js';
import type { Store } from '../../src/services/store/database.js';
import { openStore, type StoreKind } from '../../src/services/store/database.js';
import { migrationProvider } from '../../src/services/store/migrations.js';
import { createTestPostgresDatabase, openTestStore, STORE_KINDS } from '../helpers/stores.js';

const VALUE = 'sk-live-0123456789abcdef';

for (const kind of STORE_KINDS) {
  describe(`encrypted secrets on ${kind}`, () => {
    let store: Store;
    let dir: string;
    before(async () => {
      store = await openTestStore(kind);
      dir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'keys-'));
    });
    after(async () => store.close());

    it('stores values encrypted, lists names only, and deletes', async () => {
      const secrets = new SecretStore(store, await loadSecretKey(dir, {}));
      assert.deepEqual(await secrets.set('API_TOKEN', VALUE), { name: 'API_TOKEN', namespace: GLOBAL_SECRETS, created: true });
      assert.deepEqual(await secrets.set('API_TOKEN', VALUE), { name: 'API_TOKEN', namespace: GLOBAL_SECRETS, created: false });
      assert.equal(await secrets.get('API_TOKEN'), VALUE);
      const row = await store.db.selectFrom('secrets').select('ciphertext').where('name', '=', 'API_TOKEN').executeTakeFirstOrThrow();
      assert.ok(!row.ciphertext.includes(VALUE) && !Buffer.from(row.ciphertext, 'base64').toString('latin1').includes(VALUE));
      const listed = await secrets.list();
      assert.deepEqual(
        listed.map((s) => s.name),
        ['API_TOKEN'],
      );
      assert.ok(!JSON.stringify(listed).includes(VALUE));
      assert.deepEqual(await secrets.delete('API_TOKEN'), { deleted: true });
      assert.equal(await secrets.get('API_TOKEN'), undefined);
      await assert.rejects(secrets.set('bad name', 'x'), InvalidSecretError);
    });

    it('creates the key file with mode 0600 once and reuses it', async () => {
      const first = await loadSecretKey(dir, {});
      const again = await loadSecretKey(dir, {});
      assert.ok(first.equals(again));
      assert.equal((await stat(join(dir, 'secret.key'))).mode & 0o777, 0o600);
      assert.equal((await readFile(join(dir, 'secret.key'), 'utf8')).trim(), first.toString('base64'));
    });

    it('fails clearly with the wrong key, naming the secret and what to do', async () => {
      await new SecretStore(store, await loadSecretKey(dir, {})).set('DB_PASSWORD', 'hunter2-hunter2');
      const wrong = new SecretStore(store, await loadSecretKey(dir, { WEFT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }));
      await assert.rejects(
        wrong.get('DB_PASSWORD'),
        (error: unknown) =>
          error instanceof SecretKeyMismatchError &&
          /secret DB_PASSWORD cannot be decrypted with this key/.test(error.message) &&
          /WEFT_SECRET_KEY/.test(error.hint ?? ''),
      );
      await assert.rejects(loadSecretKey(dir, { WEFT_SECRET_KEY: 'too-short' }), ConfigError);
    });

    it('lists the values this key decrypts, seeing every change another process makes', async () => {
      const reader = new SecretStore(store, await loadSecretKey(dir, {}));
      const writer = new SecretStore(store, await loadSecretKey(dir, {}));
      const foreign = new SecretStore(store, await loadSecretKey(dir, { WEFT_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') }));
      await foreign.set('FOREIGN_KEY_SECRET', 'under-another-key');
      await writer.set('ROTATED', 'first-value-1');
      assert.ok((await reader.values()).includes('first-value-1'));
      await writer.set('ROTATED', 'second-value-2');
      const after = await reader.values();
      assert.ok(after.includes('second-value-2') && !after.includes('first-value-1'), 'a value set again replaces the old one');
      assert.ok(!after.includes('under-another-key'), 'a secret of another key is left out');
      await writer.delete('ROTATED');
      assert.ok(!(await reader.values()).includes('second-value-2'));
      await foreign.delete('FOREIGN_KEY_SECRET');
    });

    it("resolves a namespace's own secret first, then the global one, and never another namespace's", async () => {
      const secrets = new SecretStore(store, await loadSecretKey(dir, {}));
      await secrets.set('NS_TOKEN', 'value-of-team-a', 'team-a');
      await secrets.set('NS_TOKEN', 'value-of-team-b', 'team-b');
      await secrets.set('NS_TOKEN', 'value-global');
      await secrets.set('B_ONLY', 'value-only-b', 'team-b');
      assert.equal(await secrets.get('NS_TOKEN', 'team-a'), 'value-of-team-a');
      assert.equal(await secrets.get('NS_TOKEN', 'team-b'), 'value-of-team-b');
      assert.equal(await secrets.get('NS_TOKEN', 'team-c'), 'value-global', 'a namespace without its own falls back to the global one');
      assert.equal(await secrets.get('NS_TOKEN'), 'value-global', 'without a namespace: the global one only');
      assert.equal(await secrets.get('B_ONLY', 'team-a'), undefined, "team-b's secret is not team-a's");
      assert.equal(await secrets.get('B_ONLY'), undefined);
      assert.deepEqual(
        (await secrets.list('team-a')).filter((s) => s.name === 'NS_TOKEN').map((s) => s.namespace),
        [GLOBAL_SECRETS, 'team-a'],
        "list of a namespace shows its own and the global ones, never another namespace's",
      );
      assert.ok(!(await secrets.list('team-a')).some((s) => s.name === 'B_ONLY'));
      assert.deepEqual(await secrets.delete('NS_TOKEN', 'team-a'), { deleted: true });
      assert.equal(await secrets.get('NS_TOKEN', 'team-a'), 'value-global');
      await assert.rejects(
        secrets.set('X_TOKEN', 'value', 'Not A Namespace'),
        (e: unknown) => e instanceof InvalidSecretError && e.code === 'SECRET_NAMESPACE_INVALID',
      );
      for (const [name, ns] of [
        ['NS_TOKEN', 'team-b'],
        ['NS_TOKEN', GLOBAL_SECRETS],
        ['B_ONLY', 'team-b'],
      ] as const)
        await secrets.delete(name, ns);
    });

    it('keeps secrets stored before namespaces existed as global ones', async () => {
      const key = await loadSecretKey(dir, {});
      const ciphertext = await ciphertextOf(store, key, 'LEGACY_TOKEN', 'legacy-value-1');
      const old = await openUnmigrated(kind, '005_llm_cache');
      await old.db
        .insertInto('secrets' as never)
        .values({ name: 'LEGACY_TOKEN', ciphertext, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' } as never)
        .execute();
      await old.db.destroy();
      const migrated = await openStore({ url: old.url, dataDir: dir });
      try {
        const secrets = new SecretStore(migrated, key);
        assert.equal(await secrets.get('LEGACY_TOKEN', 'team-a'), 'legacy-value-1');
        assert.equal(await secrets.get('LEGACY_TOKEN'), 'legacy-value-1');
        assert.deepEqual(
          (await secrets.list()).map((s) => [s.name, s.namespace]),
          [['LEGACY_TOKEN', GLOBAL_SECRETS]],
        );
      } finally {
        await migrated.close();
      }
    });

    it('falls back to WEFT_SECRET_<NAME> variables after the store', async () => {
      const secrets = new SecretStore(store, await loadSecretKey(dir, {}));
      await secrets.set('SHARED', 'from-store');
      const source = layeredSecrets(secrets, secretsFromEnv({ WEFT_SECRET_SHARED: 'from-env', WEFT_SECRET_ONLY_ENV: 'env-value' }));
      assert.equal(await source.get('SHARED'), 'from-store');
      assert.equal(await source.get('ONLY_ENV'), 'env-value');
      assert.equal(await source.get('NOWHERE'), undefined);
    });
  });
}

/** A ciphertext of `value` under `key`, as the store writes it. */
async function ciphertextOf(store: Store, key: Buffer, name: string, value: string): Promise<string> {
  await new SecretStore(store, key).set(name, value, 'scratch');
  const row = await store.db.selectFrom('secrets').select('ciphertext').where('namespace', '=', 'scratch').where('name', '=', name).executeTakeFirstOrThrow();
  await new SecretStore(store, key).delete(name, 'scratch');
  return row.ciphertext;
}

/** A fresh store migrated only up to `last`, as an older Weft left it. */
async function openUnmigrated(kind: StoreKind, last: string): Promise<{ db: Kysely<unknown>; url: string }> {
  const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'old-store-'));
  const url = kind === 'sqlite' ? join(dataDir, 'weft.db') : await createTestPostgresDatabase();
  const db = new Kysely<unknown>({
    dialect:
      kind === 'sqlite' ? new SqliteDialect({ database: new SQLite(url) }) : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  const migrator = new Migrator({
    db,
    provider: migrationProvider(kind),
    migrationTableName: 'weft_migrations',
    migrationLockTableName: 'weft_migrations_lock',
  });
  const { error } = await migrator.migrateTo(last);
  if (error) throw error;
  return { db, url };
}
