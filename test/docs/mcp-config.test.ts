// The client configurations in docs/mcp.md work as written: the Claude Desktop JSON and the
// Claude Code command launch a working MCP server (with /path/to/weft replaced by this clone).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function launches(command: string, args: string[], env: TestEnv): Promise<string[]> {
  const transport = new StdioClientTransport({ command: command === 'node' ? process.execPath : command, args, env: weftEnv(env), stderr: 'pipe' });
  const client = new Client({ name: 'docs', version: '1.0.0' });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe('docs/mcp.md client configurations', () => {
  let env: TestEnv;
  let doc: string;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    doc = (await readFile(join(ROOT, 'docs', 'mcp.md'), 'utf8')).replaceAll('/path/to/weft', ROOT);
  });
  after(() => env.close());

  it('the Claude Desktop config starts a server with the Weft tools', async () => {
    const block = /```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const server = JSON.parse(block).mcpServers.weft as { command: string; args: string[] };
    assert.ok((await launches(server.command, server.args, env)).includes('run_flow'));
  });

  it('the Claude Code command names the same launch', async () => {
    const line = /claude mcp add weft -- (.+)/.exec(doc)?.[1] ?? '';
    const [command, ...args] = line.trim().split(/\s+/);
    assert.ok((await launches(command ?? '', args, env)).includes('get_run'));
  });
});
