// The model call with the real `openai` and `@anthropic-ai/sdk` clients against a local server
// speaking both wire formats, JSON and streaming.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LlmApiKeyMissingError, LlmBadRequestError, LlmError, LlmInvalidOutputError, LlmRateLimitError } from '../../src/services/llm/llm-errors.js';
import { callModel } from '../../src/services/llm/model-call.js';
import type { ResolvedProvider } from '../../src/services/llm/model-types.js';
import { loadLlmSettings, ProviderConfig } from '../../src/services/llm/provider-config.js';
import { resolveProvider } from '../../src/services/llm/resolve-provider.js';
import type { SecretSource } from '../../src/services/secrets/secret-source.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';

const SCHEMA = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['bug', 'feature'] }, note: { type: 'string' } },
  required: ['label'],
};

describe('model calls through the official SDKs', () => {
  let fake: FakeModelServer;
  const providers: ResolvedProvider[] = [];
  before(async () => {
    fake = await startFakeModelServer();
    for (const kind of ['openai', 'anthropic'] as const) {
      for (const stream of [true, false]) {
        providers.push({
          name: `${kind}${stream ? '-stream' : '-json'}`,
          keyName: 'KEY',
          apiKey: 'test-key',
          config: ProviderConfig.parse({ kind, baseUrl: kind === 'openai' ? fake.openaiUrl : fake.url, stream }),
        });
      }
    }
  });
  after(() => fake.close());

  it('returns text, model, finish reason and usage on every provider and wire format', async () => {
    for (const provider of providers) {
      fake.answer(() => ({ text: 'Hello there, Ada', usage: { input: 12, output: 4 } }));
      let chunks = 0;
      const result = await callModel(
        provider,
        { model: 'm-1', system: 'be brief', messages: [{ role: 'user', content: 'greet Ada' }] },
        new AbortController().signal,
        () => chunks++,
      );
      assert.equal(result.text, 'Hello there, Ada', provider.name);
      assert.equal(result.json, null);
      assert.deepEqual(result.usage, { inputTokens: 12, outputTokens: 4 }, provider.name);
      assert.equal(result.model, 'm-1');
      assert.ok(result.finishReason, provider.name);
      if (provider.config.stream) assert.ok(chunks >= 3, `${provider.name} streamed ${chunks} chunks`);
      const call = fake.calls.at(-1);
      assert.equal(call?.headers.authorization ?? `Bearer ${call?.headers['x-api-key']}`, 'Bearer test-key');
      if (provider.config.kind === 'anthropic') {
        assert.equal(call?.body.system, 'be brief');
        assert.equal(call?.body.max_tokens, 4096, 'a default max_tokens is sent where the API requires one');
      }
    }
  });

  it('asks for structured output natively, adapted to each provider, and validates it', async () => {
    for (const provider of providers) {
      fake.answer(() => ({ json: provider.config.kind === 'openai' ? { label: 'bug', note: null } : { label: 'bug' } }));
      const result = await callModel(
        provider,
        { model: 'm', messages: [{ role: 'user', content: 'classify' }], responseSchema: SCHEMA },
        new AbortController().signal,
      );
      assert.deepEqual(result.json, { label: 'bug' }, provider.name);
      const body = fake.calls.at(-1)?.body as Record<string, unknown>;
      if (provider.config.kind === 'openai') {
        const format = body.response_format as { json_schema: { strict: boolean; schema: Record<string, unknown> } };
        assert.equal(format.json_schema.strict, true);
        assert.equal(format.json_schema.schema.additionalProperties, false);
        assert.deepEqual(format.json_schema.schema.required, ['label', 'note']);
      } else {
        assert.deepEqual(body.tool_choice, { type: 'tool', name: 'respond' });
      }
    }
  });

  it('repairs an invalid answer once, summing usage over both calls, then gives up with a typed error', async () => {
    for (const provider of providers) {
      const before = fake.calls.length;
      fake.answer((_call, i) =>
        i === before ? { json: { label: 'question' }, usage: { input: 10, output: 3 } } : { json: { label: 'feature' }, usage: { input: 20, output: 3 } },
      );
      const repaired = await callModel(
        provider,
        { model: 'm', messages: [{ role: 'user', content: 'classify' }], responseSchema: SCHEMA },
        new AbortController().signal,
      );
      assert.deepEqual(repaired.json, { label: 'feature' }, provider.name);
      assert.equal(repaired.calls, 2);
      assert.deepEqual(repaired.usage, { inputTokens: 30, outputTokens: 6 });
      assert.match(fake.calls.at(-1)?.lastUser ?? '', /does not match the required JSON Schema/);
      fake.answer(() => ({ json: { label: 'nope' } }));
      await assert.rejects(
        callModel(provider, { model: 'm', messages: [{ role: 'user', content: 'classify' }], responseSchema: SCHEMA }, new AbortController().signal),
        (error: unknown) => error instanceof LlmInvalidOutputError && (error as { usage?: { inputTokens: number } }).usage?.inputTokens === 20,
      );
    }
  });

  it('maps 429 with retry-after, 400 and 500 to typed errors', async () => {
    for (const provider of providers) {
      fake.answer(() => ({ status: 429, headers: { 'retry-after': '2' } }));
      await assert.rejects(
        callModel(provider, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, new AbortController().signal),
        (error: unknown) => error instanceof LlmRateLimitError && error.retryAfterMs === 2000,
      );
      fake.answer(() => ({ status: 400, error: 'max_tokens too large' }));
      await assert.rejects(
        callModel(provider, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, new AbortController().signal),
        (error: unknown) => error instanceof LlmBadRequestError && /max_tokens too large/.test(error.message),
      );
      fake.answer(() => ({ status: 503 }));
      await assert.rejects(
        callModel(provider, { model: 'm', messages: [{ role: 'user', content: 'x' }] }, new AbortController().signal),
        (error: unknown) => error instanceof LlmError && error.type === 'LlmServerError',
      );
    }
  });

  it('no model the docs or examples name makes an SDK print a deprecation notice', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = [
      'README.md',
      ...(await readdir(join(root, 'docs'))).map((f) => `docs/${f}`),
      ...(await readdir(join(root, 'examples'))).map((f) => `examples/${f}`),
    ];
    const models = new Set<string>();
    for (const file of files.filter((f) => /\.(md|yaml)$/.test(f))) {
      for (const m of (await readFile(join(root, file), 'utf8')).matchAll(/\b(claude-[a-z0-9-]*[a-z0-9]|gpt-[a-z0-9.-]*[a-z0-9])\b/g)) models.add(m[1] ?? '');
    }
    assert.ok(models.size > 0, 'the docs name models');
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    try {
      for (const model of models) {
        for (const provider of providers) {
          fake.answer(() => ({ text: 'ok' }));
          await callModel(provider, { model, messages: [{ role: 'user', content: 'hi' }] }, new AbortController().signal);
        }
      }
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(warnings, [], `models named: ${[...models].join(', ')}`);
  });

  it('refuses a hosted provider without a key before any call, naming the provider and the setting', async () => {
    const noSecrets: SecretSource = { get: () => undefined };
    // The settings hold the keys of the environment they were read from: none here.
    const settings = loadLlmSettings({});
    await assert.rejects(
      resolveProvider('openai', settings, noSecrets),
      (error: unknown) =>
        error instanceof LlmApiKeyMissingError &&
        error.type === 'LlmAuthenticationError' &&
        /llm provider "openai" has no API key: OPENAI_API_KEY/.test(error.message) &&
        /weft secret set OPENAI_API_KEY/.test(error.hint ?? ''),
    );
    // A local server (a baseUrl) may need no key at all.
    const local = await resolveProvider('openai', loadLlmSettings({ OPENAI_BASE_URL: fake.openaiUrl }), noSecrets);
    assert.equal(local.config.baseUrl, fake.openaiUrl);
  });
});
