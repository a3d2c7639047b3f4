// docs/tutorial-agent.md as written: its MCP server setting, its two flows saved as they are
// (the tracker's address moved to a loopback server), the filesystem MCP server (published,
// written independently of Weft) reading the issue, a scripted model speaking Anthropic's wire
// format, a person approving the label with the tutorial's command; `weft run get` prints what
// the tutorial shows.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentOutput } from '../../src/core/runs/agent-io.js';
import { FlowService } from '../../src/services/flow-service.js';
import { ConcurrencyLimit } from '../../src/services/llm/concurrency-limit.js';
import { loadLlmSettings } from '../../src/services/llm/provider-config.js';
import { McpClientPool } from '../../src/services/mcp-client/client-pool.js';
import { parseMcpServers } from '../../src/services/mcp-client/server-config.js';
import { RunService } from '../../src/services/run-service.js';
import { type FakeModelServer, startFakeModelServer } from '../helpers/fake-model-server.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'weft.js');
const FILESYSTEM_SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');

function blocks(doc: string, language: string): string[] {
  return [...doc.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
}

function weft(env: TestEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: weftEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('docs/tutorial-agent.md', () => {
  let doc: string;
  let issues: string;
  let model: FakeModelServer;
  let tracker: TestHttpServer;
  let pool: McpClientPool;
  let env: TestEnv;

  before(async () => {
    doc = await readFile(join(ROOT, 'docs', 'tutorial-agent.md'), 'utf8');
    const setup = blocks(doc, 'sh')[0] ?? '';
    issues = join(await mkdtemp(join(tmpdir(), 'tutorial-')), 'issues');
    // The tutorial's own commands make the folder and the issue.
    await new Promise<void>((resolve, reject) =>
      execFile(
        'sh',
        [
          '-c',
          setup
            .split('\n')
            .filter((l) => !l.startsWith('export'))
            .join('\n'),
        ],
        { cwd: join(issues, '..') },
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    // Its server setting as written, run from the installed package instead of npx.
    const setting = /WEFT_MCP_SERVERS='([^']+)'/.exec(setup)?.[1] ?? '';
    const written = parseMcpServers(setting);
    assert.deepEqual(Object.keys(written), ['files']);
    pool = new McpClientPool(parseMcpServers(JSON.stringify({ files: { command: process.execPath, args: [FILESYSTEM_SERVER, issues] } })), {
      get: () => undefined,
    });
    model = await startFakeModelServer();
    tracker = await startHttpServer();
    tracker.route('/api/labels', (_req, res) => json(res, 200, { ok: true }));
    env = await createTestEnv({
      llm: () => ({
        settings: loadLlmSettings({
          ANTHROPIC_BASE_URL: model.url,
          ANTHROPIC_API_KEY: 'test',
          WEFT_LLM_PRICES: JSON.stringify({ 'claude-sonnet-4-6': { input: 3, output: 15 } }),
        }),
        limit: new ConcurrencyLimit(),
        prompts: async () => [],
      }),
      mcp: pool,
    });
  });
  after(async () => {
    await env?.close();
    await pool?.close();
    await model?.close();
    await tracker?.close();
  });

  it('reads the issue with the MCP tool, waits for a person before labelling it, labels it, and shows the steps as the tutorial does', async () => {
    const [labelFlow, triageFlow] = blocks(doc, 'yaml');
    assert.ok(labelFlow && triageFlow, 'the tutorial shows two flows');
    const flows = new FlowService(env.store);
    const runs = new RunService(env.client, flows, env.taskQueue);
    await flows.save(labelFlow.replace('https://tracker.example.com/api', `${tracker.url}/api`));
    await flows.save(triageFlow);
    assert.match(await readFile(join(issues, '42.md'), 'utf8'), /Crash on save/);

    model.answer((call) => {
      const last = call.toolResults[0]?.content ?? '';
      if (call.toolResults.length === 0)
        return { toolCalls: [{ name: 'read_text_file', arguments: { path: join(issues, '42.md') } }], usage: { input: 400, output: 40 } };
      if (last.includes('Crash on save'))
        return { toolCalls: [{ name: 'label-issue', arguments: { issue: '42.md', label: 'bug' } }], usage: { input: 500, output: 30 } };
      return { text: 'Labelled 42.md as a bug: saving crashes the CLI.', usage: { input: 600, output: 20 } };
    });
    const { runId } = await runs.start({ flow: 'support/triage', inputs: { file: join(issues, '42.md') } });
    const approval = await waitFor('the label to wait for a person', async () => (await runs.get(runId)).approvals[0], 60_000);
    assert.equal(approval.step, 2);

    // `weft run get` while it waits, line by line as the tutorial's text block (run ids differ).
    const waiting = await weft(env, ['run', 'get', runId]);
    assert.equal(waiting.code, 0, waiting.stderr);
    const shown = (blocks(doc, 'text')[0] ?? '').trim().split('\n');
    const printed = waiting.stdout.trim().split('\n');
    assert.equal(printed.length, shown.length, waiting.stdout);
    shown.forEach((line, i) => {
      const pattern = line
        .replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        .replace('support\\.triage-3f9c…', 'support\\.triage-\\S+')
        .replace('\\(on weft 4242@laptop\\)', '\\(on [^)]+\\)');
      assert.match(printed[i] ?? '', new RegExp(`^${pattern}$`));
    });
    assert.equal(tracker.requests.length, 0, 'nothing is labelled before the approval');

    const approve = /^weft run approve .*$/m.exec(blocks(doc, 'sh').join('\n'))?.[0] ?? '';
    const words = (approve.replace('support.triage-3f9c…', runId).match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"|"$/g, ''));
    const answered = await weft(env, words.slice(1));
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(await runs.waitForClose(runId), 'COMPLETED');
    const done = await runs.get(runId);
    assert.deepEqual(done.outputs?.summary, 'Labelled 42.md as a bug: saving crashes the CLI.');
    assert.equal(done.outputs?.steps, 2);
    assert.deepEqual(
      done.tasks.find((t) => t.id === 'triage')?.steps?.map((s) => [s.step, s.tool, s.state]),
      [
        [1, 'read_text_file', 'COMPLETED'],
        [2, 'label-issue', 'COMPLETED'],
      ],
    );
    assert.deepEqual(
      tracker.requests.map((r) => JSON.parse(r.body)),
      [{ issue: '42.md', label: 'bug' }],
    );
    const output = (await runs.taskOutput(runId, 'triage')).output as AgentOutput;
    assert.ok((output.usage.costUsd ?? 0) > 0, 'the cost adds up over the model calls');
  });
});
