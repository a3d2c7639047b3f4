// What an agent writing a flow is pointed to: the authoring tools name the flow-spec resource,
// and list_task_types carries the expression functions the evaluator really defines, with
// signatures, over stdio and Streamable HTTP, while tools/list stays within its budget.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { celEnvironment } from '../../src/core/expressions/cel-environment.js';
import { describeOverBothTransports, structured, textOf } from '../helpers/mcp-clients.js';

interface CatalogFunction {
  name: string;
  signatures: string[];
  description: string;
}

const AUTHORING_TOOLS = ['list_task_types', 'validate_flow', 'save_flow', 'draft_flow'];

function behaviour(connect: () => Promise<Client>) {
  return () => {
    let client: Client;
    before(async () => {
      client = await connect();
    });

    it('points every authoring tool to weft://docs/flow-spec, a resource that exists, and keeps tools/list under 14 KB', async () => {
      const listed = await client.listTools();
      for (const name of AUTHORING_TOOLS) {
        const tool = listed.tools.find((t) => t.name === name);
        assert.ok(tool, `${name} is listed`);
        assert.match(tool.description ?? '', /weft:\/\/docs\/flow-spec/, `${name} names the guide`);
      }
      const guide = await client.readResource({ uri: 'weft://docs/flow-spec' });
      assert.match(String((guide.contents[0] as { text?: string }).text), /expression/i);
      const bytes = JSON.stringify(listed).length;
      assert.ok(bytes < 14_000, `tools/list is ${bytes} bytes`);
    });

    it('lists the expression functions with signatures and descriptions in list_task_types, in structured content and text', async () => {
      const result = (await client.callTool({ name: 'list_task_types', arguments: {} })) as CallToolResult;
      const { functions } = structured<{ functions: CatalogFunction[] }>(result);
      const byName = new Map(functions.map((f) => [f.name, f]));
      assert.deepEqual(byName.get('secret')?.signatures, ['secret(string): string']);
      assert.ok(byName.get('size')?.signatures.includes('size(list): int'));
      assert.ok(byName.get('size')?.signatures.includes('string.size(): int'));
      assert.deepEqual(byName.get('matches')?.signatures, ['string.matches(string): bool']);
      assert.deepEqual(byName.get('toJson')?.signatures, ['toJson(dyn): string']);
      for (const fn of functions) assert.ok(fn.description.length > 5, `${fn.name} is described`);
      assert.match(textOf(result), /"secret\(string\): string"/, 'a client reading only text sees the functions');
      assert.ok(JSON.stringify(result).length < 100_000, `list_task_types answered ${JSON.stringify(result).length} bytes`);
    });

    it('lists exactly the functions the expression environment defines', async () => {
      const { functions } = structured<{ functions: CatalogFunction[] }>((await client.callTool({ name: 'list_task_types', arguments: {} })) as CallToolResult);
      const listed = new Set(functions.map((f) => f.name.replace(/^(optional|cel)\./, '')));
      const defined = new Set((celEnvironment().getDefinitions() as { functions: { name: string }[] }).functions.map((f) => f.name));
      assert.deepEqual([...listed].sort(), [...defined].sort());
    });

    it('keeps one type in full without the function list', async () => {
      const http = structured<{ types: { type: string }[]; functions?: unknown }>(
        (await client.callTool({ name: 'list_task_types', arguments: { type: 'http' } })) as CallToolResult,
      );
      assert.equal(http.types[0]?.type, 'http');
      assert.equal(http.functions, undefined);
    });
  };
}

describeOverBothTransports('authoring guide and expression function catalog', (connect) => behaviour(connect)());
