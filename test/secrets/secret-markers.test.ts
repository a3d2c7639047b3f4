// The quick scan that lets a task without secrets skip secret resolution.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretMarker } from '../../src/expressions/cel-environment.js';
import { holdsSecretMarker } from '../../src/secrets/secret-source.js';

describe('holdsSecretMarker', () => {
  it('finds a marker in a string, a nested value or a key', () => {
    const marker = secretMarker('API_TOKEN');
    assert.equal(holdsSecretMarker(`Bearer ${marker}`), true);
    assert.equal(holdsSecretMarker([1, { headers: { Authorization: marker } }]), true);
    assert.equal(holdsSecretMarker({ [marker]: 'x' }), true);
  });

  it('finds none in ordinary values, which then skip resolution', () => {
    assert.equal(holdsSecretMarker(['https://example.test/x', { a: 1, b: [true, null, 'weft-secret:X'] }, undefined]), false);
  });
});
