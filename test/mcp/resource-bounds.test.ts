// Resources keep the tools' budgets: a big run, a big flow and a long log are cut, and each says
// how to get the rest (the tool and cursor, or the URI of the next part). Real SDK client on
// stdio, real worker on the Temporal dev server.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FLOW_SOURCE_BYTES, LOG_PAGE_BYTES } from '../../mcp/budget.js';
import { connectStdio, type StdioSession, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

/** get_run's structured budget (mcp/budget.ts), which a resource keeps too. */
const BUDGET = 40_000;

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  return structured(result);
}

async function read(client: Client, uri: string): Promise<{ text: string; meta?: Record<string, unknown> }> {
  const result = await client.readResource({ uri });
  const content = result.contents[0] as { text?: string; _meta?: Record<string, unknown> };
  return { text: String(content.text ?? ''), ...(content._meta ? { meta: content._meta } : {}) };
}

describe('resources within budgets', () => {
  let env: TestEnv;
  let session: StdioSession;
  before(async () => {
    env = await createTestEnv();
    session = await connectStdio(env);
  });
  after(async () => {
    await session?.close();
    await env?.close();
  });

  it('cuts a big run to get_run’s budget and names the calls that page the rest', async () => {
    const flow = `id: big-run
namespace: res
inputs:
  - { id: items, type: array }
tasks:
  - id: each
    type: foreach
    items: "{{ inputs.items }}"
    concurrency: 20
    tasks:
      - { id: pad, type: set, values: { text: "${'x'.repeat(120)}", index: "{{ index }}" } }
outputs:
  all: "{{ outputs.each.iterations }}"
`;
    await call(session.client, 'save_flow', { flow });
    const run = await call(session.client, 'run_flow', { flow: 'res/big-run', inputs: { items: Array.from({ length: 300 }, (_, i) => i) }, waitSeconds: 50 });
    assert.equal(run.state, 'COMPLETED', JSON.stringify(run));
    const { text } = await read(session.client, `weft://runs/${run.runId}`);
    assert.ok(Buffer.byteLength(text) <= BUDGET, `the run resource is ${Buffer.byteLength(text)} bytes`);
    const view = JSON.parse(text) as {
      state: string;
      tasks: unknown[];
      tasksShown: { shown: number; total: number };
      outputsTruncated?: boolean;
      more: string[];
    };
    assert.equal(view.state, 'COMPLETED');
    assert.equal(view.tasksShown.total, 301);
    assert.equal(view.tasks.length, view.tasksShown.shown);
    assert.equal(view.outputsTruncated, true);
    assert.ok(
      view.more.some((m) => m.includes(`get_run with { runId: "${run.runId}", detail: "full" }`) && m.includes('nextCursor')),
      view.more.join('\n'),
    );
    assert.ok(
      view.more.some((m) => m.includes('taskId') && m.includes('taskOutput.nextCursor')),
      view.more.join('\n'),
    );
    // What it points to works: the full timeline pages through every task run.
    const page = await call(session.client, 'get_run', { runId: run.runId, detail: 'full' });
    assert.equal((page.tasksShown as { total: number }).total, 301);
  });

  it('serves a big flow in parts, each naming the URI of the next, that add up to the source', async () => {
    const blob = 'abcdefghij'.repeat(9000);
    const source = `id: big-flow\nnamespace: res\ndescription: a flow with a long value\ntasks:\n  - { id: pad, type: set, values: { text: "${blob}" } }\n`;
    await call(session.client, 'save_flow', { flow: source });
    let uri: string | undefined = 'weft://flows/res/big-flow';
    let joined = '';
    let parts = 0;
    while (uri) {
      const { text, meta } = await read(session.client, uri);
      assert.ok(Buffer.byteLength(text) <= FLOW_SOURCE_BYTES + 200, `part ${parts} is ${Buffer.byteLength(text)} bytes`);
      const note = /\n# \[bytes (\d+)-(\d+) of (\d+) of this flow's source(?:; the rest: read (\S+))?\]\n$/.exec(text);
      assert.ok(note, `part ${parts} ends with a note: ${text.slice(-200)}`);
      assert.equal(meta?.next, note[4]);
      assert.deepEqual([meta?.offset, meta?.end], [Number(note[1]), Number(note[2])]);
      joined += Buffer.from(text)
        .subarray(0, Number(note[2]) - Number(note[1]))
        .toString('utf8');
      uri = note[4];
      parts += 1;
    }
    assert.ok(parts >= 3, `${parts} parts`);
    assert.equal(joined, source);
  });

  it('shows a long log’s last lines within query_logs’ budget and says how to read the rest', async () => {
    await call(session.client, 'save_flow', {
      flow: 'id: chatty\nnamespace: res\ntasks:\n  - { id: talk, type: script, language: bash, script: "for i in $(seq 1 3000); do echo line $i of a long and chatty script that says a lot; done" }\n',
    });
    const run = await call(session.client, 'run_flow', { flow: 'res/chatty', waitSeconds: 50 });
    assert.equal(run.state, 'COMPLETED');
    const { text } = await read(session.client, `weft://runs/${run.runId}/logs`);
    assert.ok(Buffer.byteLength(text) <= LOG_PAGE_BYTES + 1000, `the logs resource is ${Buffer.byteLength(text)} bytes`);
    const [header, ...lines] = text.split('\n');
    assert.match(header ?? '', new RegExp(`^\\[the last ${lines.length} log lines; earlier ones: query_logs with runId "${run.runId}"`));
    assert.match(lines.at(-1) ?? '', /talk: completed/);
    assert.match(lines.at(-2) ?? '', /talk: line 3000 of/);
  });
});
