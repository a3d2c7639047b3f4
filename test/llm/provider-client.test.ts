// One client setup for every provider: the real SDK clients get the configured base URL, the API
// key (a Weft secret of the key's name over the environment's, as read into the settings), the
// per-call timeout, and no retries of their own.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LLM_ERROR_TYPES, LlmError } from '../../src/services/llm/llm-errors.js';
import { callModel } from '../../src/services/llm/model-call.js';
import { anthropicClient, openAiClient, providerClientOptions } from '../../src/services/llm/provider-client.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { resolveProvider } from '../../src/services/llm/resolve-provider.js';
import type { SecretSource } from '../../src/services/secrets/secret-source.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';

const noSecrets: SecretSource = { get: () => undefined };
const signal = () => new AbortController().signal;

describe('provider clients', () => {
  let fake: FakeModelServer;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    fake = await startFakeModelServer();
    env = { OPENAI_BASE_URL: fake.openaiUrl, OPENAI_API_KEY: 'env-openai', ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'env-anthropic' };
  });
  after(() => fake.close());

  it('sends the key read from the environment, and a Weft secret of that name instead when there is one', async () => {
    const settings = loadLlmSettings(env);
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    await callModel(await resolveProvider('openai', settings, noSecrets), request, signal());
    await callModel(await resolveProvider('anthropic', settings, noSecrets), request, signal());
    const secrets: SecretSource = { get: (name) => (name === 'OPENAI_API_KEY' ? 'secret-openai' : undefined) };
    await callModel(await resolveProvider('openai', settings, secrets), request, signal());
    const [openai, anthropic, fromSecret] = fake.calls.slice(-3);
    assert.equal(openai?.headers.authorization, 'Bearer env-openai');
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    assert.match(String(anthropic?.headers['x-api-key'] ?? anthropic?.headers.authorization), /^(Bearer )?env-anthropic$/);
    assert.equal(fromSecret?.headers.authorization, 'Bearer secret-openai');
  });

  it('builds both SDK clients from the same options: base URL, key, timeout, retries off', async () => {
    const settings = loadLlmSettings(env);
    for (const name of ['openai', 'anthropic'] as const) {
      const provider = await resolveProvider(name, settings, noSecrets);
      const options = providerClientOptions(provider);
      assert.deepEqual(options, { apiKey: `env-${name}`, maxRetries: 0, timeout: 600_000, baseURL: provider.config.baseUrl });
      const client = name === 'openai' ? await openAiClient(provider) : await anthropicClient(provider);
      assert.equal(client.maxRetries, 0);
      assert.equal(client.timeout, 600_000);
      assert.equal(client.baseURL, provider.config.baseUrl);
    }
  });

  it('makes one request per call: a server error is not retried by the SDK, a slow answer times out at the configured bound', async () => {
    const settings = loadLlmSettings({
      ...env,
      WEFT_LLM_PROVIDERS: JSON.stringify({ quick: { kind: 'openai', baseUrl: fake.openaiUrl, apiKeyName: 'OPENAI_API_KEY', timeoutMs: 1000, stream: false } }),
    });
    const provider = await resolveProvider('quick', settings, noSecrets);
    const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
    fake.answer(() => ({ status: 500, error: 'down' }));
    let before = fake.calls.length;
    await assert.rejects(callModel(provider, request, signal()), LlmError);
    assert.equal(fake.calls.length - before, 1);
    fake.answer(() => ({ text: 'late', delayMs: 3000 }));
    before = fake.calls.length;
    const started = Date.now();
    await assert.rejects(callModel(provider, request, signal()), (error: unknown) => error instanceof LlmError && error.type === LLM_ERROR_TYPES.timeout);
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    assert.equal(fake.calls.length - before, 1);
    fake.answer((call) => ({ text: `echo: ${call.lastUser}` }));
  });
});
