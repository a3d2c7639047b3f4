// The claim-check store and codec on real SQLite and PostgreSQL stores: large payloads are
// stored once by content, small ones pass untouched, and every failure names the key.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { ClaimCheckNotFoundError, ClaimCheckStore } from '../../../src/services/outputs/claim-check-store.js';
import type { Store } from '../../../src/services/store/database.js';
import {
  CLAIM_CHECK_ENCODING,
  ClaimCheckCodec,
  ClaimCheckUnavailableError,
  PayloadTooLargeError,
  referenceOf,
} from '../../../src/services/temporal/claim-check-codec.js';
import { openTestStore, STORE_KINDS } from '../../helpers/stores.js';

const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const payloadValue = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const encodingOf = (payload: Payload): string => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array());

for (const kind of STORE_KINDS) {
  describe(`claim-check codec over a ${kind} store`, () => {
    let store: Store;
    let codec: ClaimCheckCodec;
    before(async () => {
      store = await openTestStore(kind);
      codec = new ClaimCheckCodec(new ClaimCheckStore(store), { thresholdBytes: 1024, maxBytes: 64 * 1024 });
    });
    after(async () => store.close());

    it('passes payloads at or under the threshold through untouched, with no store access', async () => {
      const small = [payloadOf({ a: 1 }), payloadOf('x'.repeat(1000))];
      assert.equal(await codec.encode(small), small, 'the same array when nothing is large');
      assert.equal(await codec.decode(small), small);
      const rows = await store.db.selectFrom('claim_checks').select('key').execute();
      assert.equal(rows.length, 0);
    });

    it('replaces a large payload by a reference and decodes it back, storing a repeat once', async () => {
      const value = { rows: Array.from({ length: 200 }, (_, i) => ({ i, name: `row ${i}` })) };
      const [small, large] = await codec.encode([payloadOf(1), payloadOf(value)]);
      const [again] = await codec.encode([payloadOf(value)]);
      assert.equal(payloadValue(small as Payload), 1);
      assert.equal(encodingOf(large as Payload), CLAIM_CHECK_ENCODING);
      const reference = referenceOf(large as Payload);
      assert.match(reference.key, /^[0-9a-f]{64}$/);
      assert.equal(reference.bytes, payloadOf(value).data?.byteLength);
      assert.ok((large?.data?.byteLength ?? 0) < 200, 'the reference is small');
      assert.deepEqual(referenceOf(again as Payload), reference);
      const rows = await store.db.selectFrom('claim_checks').select(['key', 'bytes']).execute();
      assert.equal(rows.length, 1, 'content-addressed: stored once');
      const decoded = await codec.decode([small as Payload, large as Payload]);
      assert.equal(payloadValue(decoded[0] as Payload), 1);
      assert.deepEqual(payloadValue(decoded[1] as Payload), value);
      assert.equal(encodingOf(decoded[1] as Payload), 'json/plain', 'metadata comes back too');
    });

    it('refuses a payload over the bound, naming its size and the bound', async () => {
      await assert.rejects(codec.encode([payloadOf('y'.repeat(70 * 1024))]), (error: unknown) => {
        assert.ok(error instanceof PayloadTooLargeError);
        assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
        assert.match(error.message, /^payload of 716\d\d bytes is larger than the 65536-byte bound$/);
        return true;
      });
    });

    it('says which key is missing from which store', async () => {
      const missing = {
        metadata: { encoding: new TextEncoder().encode(CLAIM_CHECK_ENCODING) },
        data: new TextEncoder().encode(JSON.stringify({ key: 'a'.repeat(64), bytes: 5 })),
      };
      await assert.rejects(codec.decode([missing]), (error: unknown) => {
        assert.ok(error instanceof ClaimCheckNotFoundError);
        assert.equal(error.code, 'CLAIM_CHECK_NOT_FOUND');
        assert.equal(error.message, `claim-check payload ${'a'.repeat(64)} is not in the store at ${store.location}`);
        return true;
      });
    });

    it('prunes payloads untouched since a time, and keeps the rest', async () => {
      const [large] = await codec.encode([payloadOf('z'.repeat(5000))]);
      const key = referenceOf(large as Payload).key;
      await store.db.updateTable('claim_checks').set({ touched_at: '2020-01-01T00:00:00.000Z' }).where('key', '=', key).execute();
      const before = await store.db.selectFrom('claim_checks').select('key').execute();
      assert.equal(await new ClaimCheckStore(store).prune('2021-01-01T00:00:00.000Z'), 1);
      const left = await store.db.selectFrom('claim_checks').select('key').execute();
      assert.equal(left.length, before.length - 1);
      // An old read refreshes the time, so a payload in use is not pruned.
      const [kept] = await codec.encode([payloadOf('w'.repeat(5000))]);
      const keptKey = referenceOf(kept as Payload).key;
      await store.db.updateTable('claim_checks').set({ touched_at: '2020-01-01T00:00:00.000Z' }).where('key', '=', keptKey).execute();
      await codec.decode([kept as Payload]);
      assert.equal(await new ClaimCheckStore(store).prune('2021-01-01T00:00:00.000Z'), 0);
    });
  });
}

describe('claim-check codec with its store gone', () => {
  it('says the store holding the key is not reachable', async () => {
    const store = await openTestStore('sqlite');
    const codec = new ClaimCheckCodec(new ClaimCheckStore(store), { thresholdBytes: 10 });
    const [large] = await codec.encode([payloadOf('v'.repeat(100))]);
    await store.close();
    const key = referenceOf(large as Payload).key;
    await assert.rejects(codec.decode([large as Payload]), (error: unknown) => {
      assert.ok(error instanceof ClaimCheckUnavailableError);
      assert.equal(error.code, 'CLAIM_CHECK_UNAVAILABLE');
      assert.ok(error.message.startsWith(`claim-check payload ${key} cannot be read: the store at ${store.location} is not reachable`), error.message);
      return true;
    });
  });
});
