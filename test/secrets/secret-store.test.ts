import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { loadSecretKey } from '../../src/secrets/secret-key.js';
import { secretsFromEnv } from '../../src/secrets/secret-source.js';
import { InvalidSecretError, layeredSecrets, SecretKeyMismatchError, SecretStore } from '../../src/secrets/secret-store.js';
import type { Store } from '../../src/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

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
      assert.deepEqual(await secrets.set('API_TOKEN', VALUE), { name: 'API_TOKEN', created: true });
      assert.deepEqual(await secrets.set('API_TOKEN', VALUE), { name: 'API_TOKEN', created: false });
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
