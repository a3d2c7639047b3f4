// `weft flow draft` and the MCP tool `draft_flow` against the local model server: the first
// draft is invalid, Weft sends the problems back, the second is valid; nothing is saved.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { structured, WEFT_BIN } from '../helpers/mcp-clients.js';

const run = promisify(execFile);

const INVALID = 'id: ping-hourly\ntasks:\n  - id: ping\n    type: htpp\n    url: "{{ inputs.url }}"\n';
const VALID =
  '```yaml\nid: ping-hourly\ndescription: Ping a URL\ninputs:\n  - { id: url, type: string }\ntasks:\n  - id: ping\n    type: http\n    url: "{{ inputs.url }}"\n```';

describe('drafting flows from plain language', () => {
  let fake: FakeModelServer;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFakeModelServer();
    const dataDir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'draft-'));
    env = {
      ...(process.env as Record<string, string>),
      WEFT_DATA_DIR: dataDir,
      WEFT_DRAFT_MODEL: 'openai/draft-model',
      OPENAI_BASE_URL: fake.openaiUrl,
      OPENAI_API_KEY: 'sk-draft',
      WEFT_LOG_LEVEL: 'warn',
    };
  });
  after(() => fake.close());

  function scriptAnswers(): void {
    const first = fake.calls.length;
    fake.answer((_call, i) => ({ text: i === first ? INVALID : VALID }));
  }

  it('weft flow draft repairs an invalid first draft and prints a valid flow', async () => {
    scriptAnswers();
    const { stdout } = await run(process.execPath, [WEFT_BIN, 'flow', 'draft', 'ping a URL every hour', '--json'], { env });
    const draft = JSON.parse(stdout);
    assert.equal(draft.valid, true);
    assert.equal(draft.rounds, 2);
    assert.match(draft.flow, /^id: ping-hourly/);
    assert.equal(draft.flow.includes('```'), false, 'code fences are taken off');
    const repair = fake.calls.at(-1);
    assert.match(repair?.lastUser ?? '', /tasks\[0\]\.type/, 'the validator’s problems went back to the model');
    const sent = (repair?.body.messages ?? []) as { content: string }[];
    assert.match(String(sent[0]?.content), /Task types:/);
    const listed = JSON.parse((await run(process.execPath, [WEFT_BIN, 'flow', 'list', '--json'], { env })).stdout);
    assert.deepEqual(listed.flows, [], 'a draft is not saved');
  });

  it('says what to configure when no model is set', async () => {
    const noModel = { ...env };
    delete noModel.WEFT_DRAFT_MODEL;
    const failed = await run(process.execPath, [WEFT_BIN, 'flow', 'draft', 'anything'], { env: noModel }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((failed as { code: number }).code, 1);
    assert.match((failed as { stderr: string }).stderr, /no model to draft with.*WEFT_DRAFT_MODEL/);
  });

  it('draft_flow over MCP returns the repaired draft unsaved', async () => {
    scriptAnswers();
    const client = new Client({ name: 'draft-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [WEFT_BIN, 'mcp'], env: { ...env, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '' } }),
    );
    try {
      const draft = structured<{ valid: boolean; rounds: number; flow: string; usage: { inputTokens: number } }>(
        await client.callTool({ name: 'draft_flow', arguments: { goal: 'ping a URL every hour' } }),
      );
      assert.equal(draft.valid, true);
      assert.equal(draft.rounds, 2);
      assert.equal(draft.usage.inputTokens, 20);
    } finally {
      await client.close();
    }
  });
});
