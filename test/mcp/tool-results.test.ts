// What a client that hands only `content` to its model gets, over stdio and Streamable HTTP with
// the SDK's Client: the first text block of every result is the structured content as JSON (same
// bounds, same truncation notes), errors carry code, hint and problems as JSON too, and input
// schemas are closed: a misspelt argument is refused with the valid names, and nothing starts.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeOverBothTransports, structured, textOf } from '../helpers/mcp-clients.js';

/** Big enough to be cut in every bounded field: a 60 KB output, 3 KB log lines, a long source. */
const BULKY = (ns: string) => `id: bulky
namespace: ${ns}
description: Makes a big output and long log lines
inputs: [{ id: n, type: integer }]
tasks:
  - { id: make, type: set, values: { blob: ${JSON.stringify('x'.repeat(60_000))}, n: "{{ inputs.n }}" } }
  - { id: say, type: log, message: "said ${'y'.repeat(3000)} {{ inputs.n }}" }
  - { id: note, type: log, message: "note {{ inputs.n }}" }
outputs: { blob: "{{ outputs.make.blob }}", n: "{{ outputs.make.n }}" }
# ${'padding '.repeat(6000)}
`;

interface ErrorBlock {
  error: { code: string; message: string; hint?: string; problems?: { path: string; message: string; hint?: string }[] };
}

/** Calls a tool; a success's first text block must be its structured content as compact JSON. */
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const wire = JSON.stringify(result).length;
  assert.ok(wire < 100_000, `${name} answered ${wire} bytes, over the 100 KB response budget`);
  if (!result.isError) {
    const first = result.content[0];
    assert.equal(first?.type, 'text');
    const text = first?.type === 'text' ? first.text : '';
    assert.deepEqual(JSON.parse(text), result.structuredContent, `${name}: the text block is the structured content`);
    assert.equal(text, JSON.stringify(result.structuredContent), `${name}: compact JSON, no pretty printing`);
    assert.equal(result.content[1]?.type, 'text', `${name}: the one-line summary follows`);
  }
  return result;
}

/** What a model sees when its client passes only the text blocks. */
function modelSees(result: CallToolResult): string {
  return textOf(result);
}

function errorBlock(result: CallToolResult): ErrorBlock {
  assert.equal(result.isError, true);
  const last = result.content.at(-1);
  return JSON.parse(last?.type === 'text' ? last.text : '') as ErrorBlock;
}

function behaviour(connect: () => Promise<Client>, ns: string) {
  return () => {
    let client: Client;
    before(async () => {
      client = await connect();
      await call(client, 'save_flow', { flow: BULKY(ns) });
    });

    it('carries outputs, timeline, logs, flow source and run ids in the text blocks, bounded like the structured content', async () => {
      const run = await call(client, 'run_flow', { flow: `${ns}/bulky`, inputs: { n: 7 }, waitSeconds: 40 });
      const started = structured<{ runId: string; state: string; outputsTruncated?: boolean }>(run);
      assert.equal(started.state, 'COMPLETED');
      assert.equal(started.outputsTruncated, true, 'the 60 KB output is cut to the budget');
      const runText = modelSees(run);
      assert.ok(runText.includes(started.runId), 'the run id is in the text');
      assert.match(runText, /"n":7/, 'the outputs are in the text');
      assert.match(runText, /"outputsTruncated":true/, 'and the note that they were cut');
      assert.match(runText, /\[cut: 60002 bytes\]/);

      const got = await call(client, 'get_run', { runId: started.runId });
      assert.match(modelSees(got), /"tasks":\[\{"id":"make"/, 'the timeline is in the text');
      assert.match(modelSees(got), /"outputsTruncated":true/);
      const output = await call(client, 'get_run', { runId: started.runId, taskId: 'make' });
      const page = structured<{ taskOutput: { text: string; nextCursor?: string; totalBytes: number } }>(output);
      assert.ok(page.taskOutput.nextCursor, 'a big output is paged');
      assert.ok(modelSees(output).includes(page.taskOutput.nextCursor), 'and the cursor to the rest is in the text');

      const logs = await call(client, 'query_logs', { runId: started.runId, contains: 'note' });
      assert.ok(structured<{ entries: unknown[] }>(logs).entries.length >= 1);
      assert.match(modelSees(logs), /"message":"note 7"/, 'log lines are in the text');
      const long = await call(client, 'query_logs', { runId: started.runId, taskId: 'say' });
      assert.match(modelSees(long), /said y{100}/);

      const flow = await call(client, 'get_flow', { flow: `${ns}/bulky` });
      const source = structured<{ yaml: string; truncated?: boolean }>(flow);
      assert.equal(source.truncated, true, 'a 110 KB source is cut');
      assert.ok(modelSees(flow).includes('Makes a big output and long log lines'), 'the flow source is in the text');
      assert.match(modelSees(flow), /"truncated":true/);

      const listed = await call(client, 'list_runs', { flow: `${ns}/bulky` });
      assert.ok(modelSees(listed).includes(started.runId), 'run ids are in the text of list_runs');
      for (const [name, args] of [
        ['list_flows', { namespace: ns }],
        ['list_task_types', {}],
        ['list_task_types', { type: 'http' }],
        ['validate_flow', { flow: 'id: x\ntasks:\n  - { id: a, type: lgo }\n' }],
      ] as const) {
        await call(client, name, args);
      }
    });

    it('gives errors their readable message and the same as JSON: code, hint, problems', async () => {
      const missing = await call(client, 'get_run', { runId: `${ns}.nope-1` });
      assert.match(textOf(missing), /^RUN_NOT_FOUND: /, 'readable first');
      assert.equal(errorBlock(missing).error.code, 'RUN_NOT_FOUND');
      assert.ok(errorBlock(missing).error.message.length > 10);
      const invalid = await call(client, 'save_flow', { flow: `id: broken\nnamespace: ${ns}\ntasks:\n  - { id: a, type: http }\n` });
      const block = errorBlock(invalid).error;
      assert.equal(block.code, 'FLOW_INVALID');
      assert.deepEqual(
        block.problems?.map((p) => p.path),
        ['tasks[0].url'],
      );
    });

    it('refuses a misspelt argument to run_flow, naming it, the valid ones and the likely one; nothing starts', async () => {
      await call(client, 'save_flow', { flow: `id: quiet\nnamespace: ${ns}\ntasks:\n  - { id: a, type: log, message: hi }\n` });
      const refused = await call(client, 'run_flow', { flow: `${ns}/quiet`, wait: 5 });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /^INVALID_ARGUMENTS: run_flow arguments are invalid: wait is not an argument of run_flow/);
      assert.match(textOf(refused), /valid arguments are flow, inputs, waitSeconds, idempotencyKey, revision/);
      assert.match(textOf(refused), /did you mean "waitSeconds"\?/);
      const block = errorBlock(refused).error;
      assert.equal(block.code, 'INVALID_ARGUMENTS');
      assert.deepEqual(block.problems?.[0]?.path, 'wait');
      assert.equal(block.hint, 'did you mean "waitSeconds"?');
      const typo = await call(client, 'run_flow', { flow: `${ns}/quiet`, idempotencykey: 'k-1', inputz: {} });
      assert.deepEqual(
        errorBlock(typo).error.problems?.map((p) => [p.path, p.hint]),
        [
          ['idempotencykey', 'did you mean "idempotencyKey"?'],
          ['inputz', 'did you mean "inputs"?'],
        ],
      );
      const runs = structured<{ runs: unknown[] }>(await call(client, 'list_runs', { flow: `${ns}/quiet` }));
      assert.equal(runs.runs.length, 0, 'no run was started');
    });

    it('refuses a misspelt argument to get_run, and one unknown to every tool', async () => {
      const refused = await call(client, 'get_run', { runId: `${ns}.any-1`, wait: 5 });
      assert.match(
        textOf(refused),
        /get_run arguments are invalid: wait is not an argument of get_run: valid arguments are runId, waitSeconds, detail, taskId, iteration, cursor/,
      );
      assert.equal(errorBlock(refused).error.hint, 'did you mean "waitSeconds"?');
      assert.doesNotMatch(textOf(refused), /RUN_NOT_FOUND/, 'the arguments are checked before anything is read');
      const unknown = await call(client, 'list_flows', { namespace: ns, colour: 'blue' });
      assert.match(textOf(unknown), /colour is not an argument of list_flows/);
      assert.match(errorBlock(unknown).error.hint ?? '', /^remove it, or use one of namespace, search, cursor, limit$/);
      const required = await call(client, 'get_run', {});
      assert.match(textOf(required), /runId is required/);
    });

    it('advertises closed input schemas in a tools/list under 14 KB', async () => {
      const listed = await client.listTools();
      for (const tool of listed.tools) assert.equal(tool.inputSchema.additionalProperties, false, `${tool.name} is closed`);
      const bytes = JSON.stringify(listed).length;
      assert.ok(bytes < 14_000, `tools/list is ${bytes} bytes`);
    });
  };
}

describeOverBothTransports('tool results and arguments', (connect, transport) => behaviour(connect, transport === 'stdio' ? 'textio' : 'texthttp')());
