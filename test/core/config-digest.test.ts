import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson, configDigest, sha256Hex } from '../../src/core/runs/config-digest.js';

test('sha256Hex agrees with Node for empty, multi-block and non-ASCII text', () => {
  for (const text of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'y'.repeat(1000), 'héllo ⟦wörld⟧ 🌍']) {
    assert.equal(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'));
  }
});

test('the digest ignores key order and undefined members, not values', () => {
  assert.equal(configDigest({ b: 1, a: { d: [1, 2], c: 'x' } }), configDigest({ a: { c: 'x', d: [1, 2] }, b: 1, e: undefined }));
  assert.notEqual(configDigest({ a: [1, 2] }), configDigest({ a: [2, 1] }));
  assert.notEqual(configDigest({ a: '1' }), configDigest({ a: 1 }));
});

test('secret markers count by name: the run nonce is dropped, another name differs', () => {
  const marker = (name: string, nonce: string) => `Bearer \u27e6weft-secret:${name}@${nonce}\u27e7`;
  assert.equal(configDigest({ h: marker('TOKEN', 'abc123') }), configDigest({ h: marker('TOKEN', 'zzz999') }));
  assert.notEqual(configDigest({ h: marker('TOKEN', 'abc123') }), configDigest({ h: marker('OTHER', 'abc123') }));
  assert.equal(canonicalJson({ h: marker('TOKEN', 'n1') }), '{"h":"Bearer \u27e6weft-secret:TOKEN\u27e7"}');
});
