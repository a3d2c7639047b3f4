// The llm examples of examples/ run as shipped, against the local model server speaking both
// providers' wire formats.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlowService } from '../../src/services/flow-service.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { loadPrompts } from '../../src/services/prompts/prompt-library.js';
import { type RunDetail, RunService } from '../../src/services/run-service.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('llm examples', () => {
  let fake: FakeModelServer;
  let site: TestHttpServer;
  let env: TestEnv;
  let flows: FlowService;
  let runs: RunService;
  before(async () => {
    fake = await startFakeModelServer();
    site = await startHttpServer();
    site.route('/page', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Weft</h1><p>Durable flows.</p>');
    });
    env = await createTestEnv({
      llm: () => ({
        settings: loadLlmSettings({ OPENAI_BASE_URL: fake.openaiUrl, ANTHROPIC_BASE_URL: fake.url }),
        limit: new ConcurrencyLimit(),
        prompts: () => loadPrompts(),
      }),
    });
    flows = new FlowService(env.store);
    runs = new RunService(env.client, flows, env.taskQueue);
    for (const name of ['summarize-url.yaml', 'triage-issue.yaml']) await flows.save(await readFile(join(EXAMPLES, name), 'utf8'));
  });
  after(async () => {
    await env.close();
    await site.close();
    await fake.close();
  });

  async function finish(flow: string, inputs: Record<string, unknown>): Promise<RunDetail> {
    const { runId } = await runs.start({ flow, inputs });
    return waitFor('the example to finish', async () => {
      const detail = await runs.get(runId);
      return detail.state === 'RUNNING' ? undefined : detail;
    });
  }

  it('summarize-url fetches the page, summarises it, and a second run is served from the cache', async () => {
    fake.answer((call) => ({ text: `- ${call.lastUser.includes('Durable flows.') ? 'Weft runs durable flows' : 'no page'}`, usage: { input: 30, output: 8 } }));
    const first = await finish('examples/summarize-url', { url: `${site.url}/page` });
    assert.equal(first.state, 'COMPLETED', JSON.stringify(first.error));
    assert.deepEqual(first.outputs, { summary: '- Weft runs durable flows', tokens: 38 });
    const second = await finish('examples/summarize-url', { url: `${site.url}/page` });
    assert.equal(second.tasks.find((t) => t.id === 'summarise')?.state, 'CACHED');
  });

  it('triage-issue branches on the structured label', async () => {
    fake.answer((call) => (call.structured ? { json: { label: 'bug', confidence: null } } : { text: 'Could you share the steps to reproduce?' }));
    const done = await finish('examples/triage-issue', { title: 'App crashes on start' });
    assert.equal(done.state, 'COMPLETED', JSON.stringify(done.error));
    assert.deepEqual(done.outputs, { label: 'bug' });
    assert.deepEqual(
      done.tasks.map((t) => [t.id, t.state]),
      [
        ['classify', 'COMPLETED'],
        ['route', 'COMPLETED'],
        ['reply_bug', 'COMPLETED'],
      ],
    );
  });
});
