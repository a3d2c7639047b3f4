// The one byte-size parser: bytes, binary and decimal units, and what it refuses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatByteSize, parseByteSize } from '../../src/core/spec/byte-size.js';

describe('byte sizes', () => {
  it('reads bytes, binary units (Ki, Mi, Gi, Ti) and decimal ones (k, M, G, T), with an optional B', () => {
    assert.equal(parseByteSize(1024), 1024);
    assert.equal(parseByteSize('1024'), 1024);
    assert.equal(parseByteSize('256Mi'), 256 * 2 ** 20);
    assert.equal(parseByteSize('1.5Gi'), 1.5 * 2 ** 30);
    assert.equal(parseByteSize('10MB'), 10_000_000);
    assert.equal(parseByteSize(' 2 Ki '), 2048);
  });

  it('refuses negative, fractional byte counts, unknown units and sizes over 1 PiB', () => {
    for (const bad of [-1, 1.5, '', 'lots', '5 parsecs', '-3Mi', '2Pi', 2 ** 51]) assert.equal(parseByteSize(bad), undefined, String(bad));
  });

  it('shows a size in the largest binary unit that divides it', () => {
    assert.equal(formatByteSize(2 * 2 ** 30), '2Gi');
    assert.equal(formatByteSize(1536), '1536');
    assert.equal(formatByteSize(3 * 2 ** 20), '3Mi');
  });
});
