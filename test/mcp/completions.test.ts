// completion/complete over stdio and Streamable HTTP with the SDK's Client: flow ids, namespaces
// and run ids for the prompt arguments and resource-template variables that take them, matched
// by prefix, at most 100 values with hasMore; unknown prompts and templates are refused.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describeOverBothTransports, structured } from '../helpers/mcp-clients.js';
import { waitFor } from '../helpers/wait-for.js';

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return structured((await client.callTool({ name, arguments: args })) as CallToolResult);
}

type Ref = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

async function complete(client: Client, ref: Ref, name: string, value: string, context?: Record<string, string>) {
  const result = await client.complete({ ref, argument: { name, value }, ...(context ? { context: { arguments: context } } : {}) });
  return result.completion;
}

const FLOW_TEMPLATE: Ref = { type: 'ref/resource', uri: 'weft://flows/{namespace}/{id}' };
const RUN_TEMPLATE: Ref = { type: 'ref/resource', uri: 'weft://runs/{runId}' };

describeOverBothTransports('completions', (connect, transport) => {
  const ns = `complete${transport}`;
  const many = `${ns}many`;
  let client: Client;
  const alphaRuns: string[] = [];

  before(async () => {
    client = await connect();
    for (const id of ['alpha', 'alpine', 'beta'])
      await call(client, 'save_flow', { flow: `id: ${id}\nnamespace: ${ns}\ntasks:\n  - { id: a, type: set, values: { v: 1 } }\n` });
    for (let i = 0; i < 105; i++) {
      await call(client, 'save_flow', { flow: `id: f${String(i).padStart(3, '0')}\nnamespace: ${many}\ntasks:\n  - { id: a, type: set, values: { v: 1 } }\n` });
    }
    for (let i = 0; i < 2; i++) alphaRuns.push(String((await call(client, 'run_flow', { flow: `${ns}/alpha`, waitSeconds: 20 })).runId));
    await call(client, 'run_flow', { flow: `${ns}/beta`, waitSeconds: 20 });
  });

  it('advertises completions', () => {
    assert.ok(client.getServerCapabilities()?.completions);
  });

  it('completes the namespace and id of the flow resource template, the id within the namespace given', async () => {
    const namespaces = await complete(client, FLOW_TEMPLATE, 'namespace', ns);
    assert.deepEqual(namespaces.values, [ns, many]);
    const ids = await complete(client, FLOW_TEMPLATE, 'id', 'al', { namespace: ns });
    assert.deepEqual(ids, { values: ['alpha', 'alpine'], total: 2, hasMore: false });
    const none = await complete(client, FLOW_TEMPLATE, 'id', 'al', { namespace: many });
    assert.deepEqual(none.values, []);
  });

  it('gives at most 100 values, with the total and hasMore', async () => {
    const ids = await complete(client, FLOW_TEMPLATE, 'id', 'f', { namespace: many });
    assert.equal(ids.values.length, 100);
    assert.equal(ids.values[0], 'f000');
    assert.equal(ids.total, 105);
    assert.equal(ids.hasMore, true);
    const narrowed = await complete(client, FLOW_TEMPLATE, 'id', 'f10', { namespace: many });
    assert.deepEqual(narrowed.values, ['f100', 'f101', 'f102', 'f103', 'f104']);
    assert.equal(narrowed.hasMore, false);
  });

  it('completes run ids by prefix for run prompts and the run resource templates, newest first', async () => {
    const prefix = `${ns}.alpha-`;
    // Run lists come from Temporal's visibility store, which may lag a start by a moment.
    await waitFor('the runs to be listed', async () => ((await complete(client, RUN_TEMPLATE, 'runId', `${ns}.`)).values.length === 3 ? true : undefined));
    for (const ref of [{ type: 'ref/prompt', name: 'debug_run' } as const, { type: 'ref/prompt', name: 'summarize_run' } as const, RUN_TEMPLATE]) {
      const runs = await complete(client, ref, 'runId', prefix);
      assert.deepEqual(runs.values, [...alphaRuns].reverse(), JSON.stringify(ref));
    }
    const logs = await complete(client, { type: 'ref/resource', uri: 'weft://runs/{runId}/logs' }, 'runId', `${ns}.`);
    assert.equal(logs.values.length, 3, 'both flows’ runs share the namespace prefix');
  });

  it('completes the namespace argument of design_flow and nothing for free text', async () => {
    const namespaces = await complete(client, { type: 'ref/prompt', name: 'design_flow' }, 'namespace', `${ns}m`);
    assert.deepEqual(namespaces.values, [many]);
    const goal = await complete(client, { type: 'ref/prompt', name: 'design_flow' }, 'goal', 'a');
    assert.deepEqual(goal, { values: [], hasMore: false });
    const fixed = await complete(client, { type: 'ref/resource', uri: 'weft://docs/flow-spec' }, 'x', '');
    assert.deepEqual(fixed.values, []);
  });

  it('refuses an unknown prompt or resource template with -32602 naming the valid ones', async () => {
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'runId', value: '' } }).catch((e: unknown) => e);
    assert.ok(prompt instanceof McpError);
    assert.equal(prompt.code, -32602);
    assert.match(prompt.message, /params\.ref\.name "nope" is no prompt of this server; prompts: debug_run, design_flow, summarize_run/);
    const template = await client
      .complete({ ref: { type: 'ref/resource', uri: 'weft://nope/{x}' }, argument: { name: 'x', value: '' } })
      .catch((e: unknown) => e);
    assert.ok(template instanceof McpError);
    assert.equal(template.code, -32602);
    assert.match(template.message, /is no resource template of this server; templates: weft:\/\/flows\/\{namespace\}\/\{id\}/);
  });
});
