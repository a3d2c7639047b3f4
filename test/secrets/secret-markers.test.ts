// The quick scan that lets a task without secrets skip secret resolution, and the resolution
// itself: only markers carrying the run's nonce, from the flow's namespace or the global scope.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_NONCE_KEY, secretMarker } from '../../src/core/expressions/cel-environment.js';
import { renderText } from '../../src/core/expressions/evaluate.js';
import { holdsSecretMarker, RunSecrets, resolveSecretMarkers, SecretNotFoundError, type SecretSource } from '../../src/services/secrets/secret-source.js';

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

describe('secret markers resolve only with the run nonce', () => {
  const stored: Record<string, Record<string, string>> = { 'team-a': { TOKEN: 'value-a' }, '*': { SHARED: 'value-global' } };
  const source: SecretSource = { get: (name, namespace) => stored[namespace ?? '*']?.[name] };
  const secrets = new RunSecrets({ get: async (name, namespace) => source.get(name, namespace) ?? source.get(name) }, 'team-a', 'abc123nonce');

  it('makes secret() carry the nonce only where the scope holds it, and no expression can read the nonce', () => {
    assert.equal(
      renderText("Bearer {{ secret('TOKEN') }}", { inputs: {}, [SECRET_NONCE_KEY]: 'abc123nonce' }, 'f'),
      `Bearer ${secretMarker('TOKEN', 'abc123nonce')}`,
    );
    assert.equal(renderText("{{ secret('TOKEN') }}", { inputs: {} }, 'f'), secretMarker('TOKEN'), 'without the nonce: inert text');
    assert.throws(() => renderText(`{{ ${SECRET_NONCE_KEY} }}`, { [SECRET_NONCE_KEY]: 'abc123nonce' }, 'f'));
  });

  it("resolves this run's markers and leaves old-form, foreign-nonce and data markers as text", async () => {
    const used = new Set<string>();
    const text = [secretMarker('TOKEN', 'abc123nonce'), secretMarker('SHARED', 'abc123nonce'), secretMarker('TOKEN'), secretMarker('TOKEN', 'othernonce')].join(
      '|',
    );
    assert.equal(await resolveSecretMarkers(text, secrets, used), `value-a|value-global|${secretMarker('TOKEN')}|${secretMarker('TOKEN', 'othernonce')}`);
    assert.deepEqual([...used].sort(), ['value-a', 'value-global']);
    const none = new RunSecrets(source, 'team-a', undefined);
    assert.equal(
      await resolveSecretMarkers(secretMarker('TOKEN', 'abc123nonce'), none, new Set()),
      secretMarker('TOKEN', 'abc123nonce'),
      'no nonce: nothing resolves',
    );
  });

  it("names the flow's namespace and how to set a missing secret", async () => {
    await assert.rejects(
      resolveSecretMarkers(secretMarker('MISSING', 'abc123nonce'), secrets, new Set()),
      (e: unknown) =>
        e instanceof SecretNotFoundError &&
        e.message ===
          "secret MISSING is not defined for namespace team-a: set it with `weft secret set MISSING --namespace team-a` (a flow reads only its own namespace's secrets and the global ones)",
    );
    assert.equal(RunSecrets.of(source, { flow: 'team-a/x', secretNonce: 'n1' }).namespace, 'team-a');
    assert.equal(RunSecrets.of(source, {}).namespace, undefined);
  });
});
