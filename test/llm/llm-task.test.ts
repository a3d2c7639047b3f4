// `llm` tasks in real runs: a real worker on the real Temporal dev server, the official SDK
// clients, and a local server speaking both providers' wire formats.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LlmRuntime } from '../../activities/llm-call.js';
import { FlowService } from '../../src/services/flow-service.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { loadPrompts } from '../../src/services/prompts/prompt-library.js';
import { RunService } from '../../src/services/run-service.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const CLASSIFY_SCHEMA = '{ type: object, properties: { label: { type: string, enum: [bug, feature] } }, required: [label] }';

describe('llm tasks in runs', () => {
  let fake: FakeModelServer;
  /** The `local` provider's own server, so its in-flight high-water mark is this provider's alone. */
  let local: FakeModelServer;
  let env: TestEnv;
  let flows: FlowService;
  let runs: RunService;
  let promptsDir: string;

  before(async () => {
    fake = await startFakeModelServer();
    local = await startFakeModelServer();
    promptsDir = await mkdtemp(join(tmpdir(), 'prompts-'));
    await writeFile(
      join(promptsDir, 'triage.md'),
      '---\nname: triage\ndescription: Triage an issue\narguments:\n  - { name: title, description: Issue title, required: true }\n---\nTriage: {{ title }}\n',
    );
    const runtime = (): LlmRuntime => ({
      settings: loadLlmSettings({
        OPENAI_BASE_URL: fake.openaiUrl,
        ANTHROPIC_BASE_URL: fake.url,
        WEFT_LLM_PROVIDERS: JSON.stringify({
          local: { kind: 'openai', baseUrl: local.openaiUrl, concurrency: 3, stream: false },
          // The hosted API (no baseUrl) with a key that is set nowhere.
          hosted: { kind: 'openai', apiKeyName: 'WEFT_TEST_KEY_SET_NOWHERE' },
        }),
        WEFT_LLM_PRICES: JSON.stringify({ 'claude-test': { input: 3, output: 15 } }),
      }),
      limit: new ConcurrencyLimit(),
      prompts: () => loadPrompts(promptsDir),
    });
    env = await createTestEnv({ llm: runtime });
    flows = new FlowService(env.store);
    runs = new RunService(env.client, flows, env.taskQueue);
  });
  after(async () => {
    await env.close();
    await fake.close();
    await local.close();
  });

  async function run(yaml: string, inputs: Record<string, unknown> = {}) {
    const saved = await flows.save(yaml);
    const { runId } = await runs.start({ flow: saved.flow, inputs });
    return waitFor(
      'the run to close',
      async () => {
        const detail = await runs.get(runId);
        return detail.state === 'RUNNING' || detail.state === 'WAITING' ? undefined : detail;
      },
      60_000,
    );
  }

  it('runs text and structured steps, passes outputs on, and sums usage and cost per run', async () => {
    fake.answer((call) =>
      call.structured
        ? { json: { label: 'bug' }, usage: { input: 100, output: 10 } }
        : { text: `Reply to: ${call.lastUser}`, usage: { input: 50, output: 20 } },
    );
    const done = await run(
      `id: triage\nnamespace: llm\ninputs: [{ id: issue, type: string }]\ntasks:\n  - id: classify\n    type: llm\n    provider: anthropic\n    model: claude-test\n    prompt: "Classify: {{ inputs.issue }}"\n    responseSchema: ${CLASSIFY_SCHEMA}\n  - id: reply\n    type: llm\n    provider: openai\n    model: gpt-test\n    messages: [{ role: system, content: Be brief. }, { role: user, content: "Answer a {{ outputs.classify.json.label }}" }]\noutputs: { label: "{{ outputs.classify.json.label }}", reply: "{{ outputs.reply.text }}", tokens: "{{ outputs.classify.usage.inputTokens }}" }\n`,
      { issue: 'it crashes' },
    );
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(done.outputs, { label: 'bug', reply: 'Reply to: Answer a bug', tokens: 100 });
    assert.deepEqual(
      done.tasks.map((t) => [t.id, t.state, t.usage?.inputTokens]),
      [
        ['classify', 'COMPLETED', 100],
        ['reply', 'COMPLETED', 50],
      ],
    );
    assert.equal(done.usage?.inputTokens, 150);
    assert.equal(done.usage?.outputTokens, 30);
    assert.ok(Math.abs((done.usage?.costUsd ?? 0) - (100 * 3 + 10 * 15) / 1e6) < 1e-12, 'cost from the price table');
    assert.match(fake.calls.at(-2)?.lastUser ?? '', /Classify: it crashes/);
    const usageLines = (await env.logs.read(done.runId)).filter((l) => l.taskId === 'classify' && /tokens/.test(l.message));
    assert.deepEqual(
      usageLines.map((l) => l.message),
      ['anthropic/claude-test: 100 input + 10 output tokens, about $0.0004'],
    );
  });

  it('repairs an invalid structured answer within one attempt, counting both rounds', async () => {
    let n = 0;
    fake.answer(() =>
      n++ === 0 ? { json: { label: 'question' }, usage: { input: 10, output: 1 } } : { json: { label: 'feature' }, usage: { input: 12, output: 1 } },
    );
    const done = await run(
      `id: repair\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: openai, model: m, prompt: classify, responseSchema: ${CLASSIFY_SCHEMA} }\n`,
    );
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(
      done.tasks.map((t) => [t.attempts, t.usage?.inputTokens]),
      [[1, 22]],
    );
  });

  it('waits out a 429 retry-after before the next attempt, and never retries a 400', async () => {
    let n = 0;
    fake.answer(() => (n++ === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { text: 'ok' }));
    const started = Date.now();
    const limited = await run(
      'id: limited\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: openai, model: m, prompt: hi, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
    );
    assert.equal(limited.state, 'COMPLETED', JSON.stringify(limited.error));
    assert.equal(limited.tasks[0]?.attempts, 2);
    assert.ok(Date.now() - started >= 2000, 'the second attempt waited for retry-after, not the 100 ms backoff');

    const before = fake.calls.length;
    fake.answer(() => ({ status: 400, error: 'unknown model' }));
    const bad = await run(
      'id: bad\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: openai, model: nope, prompt: hi, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
    );
    assert.equal(bad.state, 'FAILED');
    assert.equal(bad.error?.type, 'LlmBadRequestError');
    assert.match(bad.error?.message ?? '', /unknown model/);
    assert.equal(bad.tasks[0]?.attempts, 1);
    assert.equal(fake.calls.length - before, 1, 'a bad request is sent once');
  });

  it('fails an unknown provider once, typed LlmProviderNotConfiguredError, without retrying', async () => {
    const before = fake.calls.length + local.calls.length;
    const done = await run(
      'id: unknown-provider\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: nosuch, model: m, prompt: hi, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
    );
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.type, 'LlmProviderNotConfiguredError');
    assert.match(done.error?.message ?? '', /llm provider "nosuch" is not configured/);
    assert.equal(done.tasks[0]?.attempts, 1, 'retrying cannot configure a provider');
    assert.equal(fake.calls.length + local.calls.length, before);
  });

  it('says which key is missing for a hosted provider, before any call, and does not retry', async () => {
    assert.equal(process.env.WEFT_TEST_KEY_SET_NOWHERE, undefined);
    const done = await run(
      'id: no-key\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: hosted, model: m, prompt: hi, retry: { maxAttempts: 3, initialInterval: 100ms } }\n',
    );
    assert.equal(done.state, 'FAILED');
    assert.equal(done.error?.type, 'LlmAuthenticationError');
    assert.match(
      done.error?.message ?? '',
      /llm provider "hosted" has no API key: WEFT_TEST_KEY_SET_NOWHERE is neither a Weft secret nor an environment variable/,
    );
    assert.doesNotMatch(done.error?.message ?? '', /Connection error/);
    assert.equal(done.tasks[0]?.attempts, 1);
  });

  it('serves a repeated call from the cache: state CACHED with the run it came from, no provider call, no tokens', async () => {
    fake.answer(() => ({ text: 'cached answer', usage: { input: 40, output: 4 } }));
    const yaml =
      'id: cached\nnamespace: llm\ntasks:\n  - { id: c, type: llm, provider: anthropic, model: claude-test, prompt: "same question", cache: { ttl: 1h } }\noutputs: { text: "{{ outputs.c.text }}" }\n';
    const first = await run(yaml);
    const calls = fake.calls.length;
    const second = await run(yaml);
    assert.equal(first.tasks[0]?.state, 'COMPLETED');
    assert.equal(second.tasks[0]?.state, 'CACHED');
    assert.equal(second.tasks[0]?.cachedFrom?.runId, first.runId);
    assert.deepEqual(second.outputs, { text: 'cached answer' });
    assert.equal(fake.calls.length, calls, 'the provider was not called again');
    assert.equal(second.usage?.inputTokens ?? 0, 0);
  });

  it('holds the per-provider concurrency limit under a foreach of 50', async () => {
    local.answer((call) => ({ text: call.lastUser, delayMs: 40 }));
    const items = JSON.stringify(Array.from({ length: 50 }, (_, i) => i));
    const done = await run(
      `id: fanout\nnamespace: llm\ntasks:\n  - id: each\n    type: foreach\n    items: ${items}\n    concurrency: 50\n    tasks:\n      - { id: ask, type: llm, provider: local, model: m, prompt: "item {{ item }}" }\n`,
    );
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    assert.equal(local.calls.length, 50);
    assert.equal(local.maxInFlight, 3, 'the limit of 3 was reached and never exceeded');
  });

  it('fills a prompt template from the prompts folder', async () => {
    fake.answer((call) => ({ text: `got ${call.lastUser}` }));
    const done = await run(
      'id: templated\nnamespace: llm\ntasks:\n  - { id: t, type: llm, provider: openai, model: m, promptTemplate: triage, promptArgs: { title: "Login fails" } }\noutputs: { text: "{{ outputs.t.text }}" }\n',
    );
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(done.outputs, { text: 'got Triage: Login fails' });
  });
});
