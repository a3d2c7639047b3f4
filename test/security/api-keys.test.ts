import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKeyAmbiguousError, ApiKeyInvalidError, ApiKeyNotFoundError, ApiKeyOptionsError } from '../../src/services/security/api-key-errors.js';
import { ApiKeyService } from '../../src/services/security/api-keys.js';
import type { Store } from '../../src/services/store/database.js';
import { openTestStore, STORE_KINDS } from '../helpers/stores.js';

const refused = (reason: string) => (error: unknown) => error instanceof ApiKeyInvalidError && error.code === 'API_KEY_INVALID' && error.reason === reason;

for (const kind of STORE_KINDS) {
  describe(`API keys on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => store.close());

    it('creates a key whose token verifies to its principal, and shows the token only at creation', async () => {
      const keys = new ApiKeyService(store);
      const key = await keys.create({ scope: 'run', namespace: 'team-a', name: 'ci bot' });
      assert.match(key.token, /^weft_[A-Za-z0-9_-]{43}$/);
      assert.equal(key.prefix, key.token.slice(0, 13));
      assert.deepEqual(await keys.verify(key.token), {
        keyId: key.id,
        name: 'ci bot',
        prefix: key.prefix,
        scope: 'run',
        namespace: 'team-a',
        allowScripts: false,
      });
      const listed = (await keys.list()).find((k) => k.id === key.id);
      assert.ok(listed);
      assert.equal(listed.scope, 'run');
      assert.ok(listed.lastUsedAt, 'verify records when the key was last used');
      assert.ok(!JSON.stringify(await keys.list()).includes(key.token));
    });

    it('keeps only a SHA-256 hash: no column of the table holds the token', async () => {
      const keys = new ApiKeyService(store);
      const key = await keys.create({ scope: 'admin', allowScripts: true });
      const rows = await store.db.selectFrom('api_keys').selectAll().execute();
      assert.ok(rows.length >= 1);
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(key.token));
      assert.ok(!dump.includes(key.token.slice(13)), 'not even the secret part of the token');
      const row = rows.find((r) => r.id === key.id);
      assert.match(row?.token_hash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(row?.prefix, key.prefix);
      assert.equal((await keys.verify(key.token)).allowScripts, true);
    });

    it('rejects a missing, malformed, wrong or revoked token with API_KEY_INVALID', async () => {
      const keys = new ApiKeyService(store);
      const key = await keys.create({ scope: 'read' });
      await assert.rejects(keys.verify(undefined), refused('missing'));
      await assert.rejects(keys.verify('Bearer nonsense'), refused('malformed'));
      const lastChar = key.token.at(-1) === 'A' ? 'B' : 'A';
      await assert.rejects(keys.verify(`${key.token.slice(0, -1)}${lastChar}`), refused('unknown'), 'same prefix, different token');
      await assert.rejects(keys.verify(`weft_${'x'.repeat(43)}`), refused('unknown'));
      const revoked = await keys.revoke(key.prefix);
      assert.equal(revoked.revoked, true);
      assert.ok(revoked.key.revokedAt);
      await assert.rejects(keys.verify(key.token), refused('revoked'));
      assert.equal((await keys.revoke(key.id)).revoked, false, 'revoking twice says it already was');
    });

    it('revokes by id or prefix, and names what is wrong when neither matches or a prefix is shared', async () => {
      const keys = new ApiKeyService(store);
      const key = await keys.create({ scope: 'run' });
      assert.equal((await keys.revoke(key.id)).key.prefix, key.prefix);
      await assert.rejects(keys.revoke('weft_nothing1'), (e: unknown) => e instanceof ApiKeyNotFoundError && /weft_nothing1/.test(e.message));
      const [a, b] = [await keys.create({ scope: 'read' }), await keys.create({ scope: 'read' })];
      await store.db.updateTable('api_keys').set({ prefix: 'weft_SAMEsame' }).where('id', 'in', [a.id, b.id]).execute();
      await assert.rejects(
        keys.revoke('weft_SAMEsame'),
        (e: unknown) => e instanceof ApiKeyAmbiguousError && e.ids.length === 2 && e.hint === 'revoke by id instead',
      );
    });

    it('validates the options of a new key, field by field', async () => {
      const keys = new ApiKeyService(store);
      await assert.rejects(
        keys.create({ scope: 'root' as never }),
        (e: unknown) =>
          e instanceof ApiKeyOptionsError && e.code === 'API_KEY_OPTIONS_INVALID' && e.message === 'API key scope must be read, run or admin (got "root")',
      );
      await assert.rejects(
        keys.create({ scope: 'run', namespace: 'Bad NS' }),
        (e: unknown) => e instanceof ApiKeyOptionsError && /^API key namespace must match/.test(e.message),
      );
      await assert.rejects(
        keys.create({ scope: 'run', name: '' }),
        (e: unknown) => e instanceof ApiKeyOptionsError && e.message === 'API key name must not be empty',
      );
    });
  });
}
