// `weft flow validate` and `weft flow save` check `mcp` tasks and agents' tools against the servers the process is
// configured with, as validate_flow and save_flow do: a server not configured here, arguments
// that do not fit the tool's input schema (with their path); a refused save saves nothing.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');

interface Problem {
  path: string;
  message: string;
}

describe('weft flow validate and save with mcp tasks', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function weft(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra } }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  async function flowFile(name: string, args: string, server = 'everything'): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, `id: ${name}\ntasks:\n  - id: add\n    type: mcp\n    server: ${server}\n    tool: get-sum\n    arguments: ${args}\n`);
    return file;
  }

  before(async () => {
    dir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'mcp-cli-'));
    env = { ...process.env, WEFT_DATA_DIR: dir, WEFT_MCP_SERVERS: JSON.stringify({ everything: { command: process.execPath, args: [SERVER, 'stdio'] } }) };
  });

  it('validates arguments against the tool’s input schema, naming the path', { timeout: 60_000 }, async () => {
    const good = await weft(['flow', 'validate', await flowFile('good', '{ a: 1, b: 2 }'), '--json']);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout), { valid: true, errors: [] });

    const bad = await weft(['flow', 'validate', await flowFile('bad', '{ a: "one", b: 2 }'), '--json']);
    assert.equal(bad.code, 1, bad.stderr);
    const body = JSON.parse(bad.stdout) as { valid: boolean; errors: Problem[] };
    assert.equal(body.valid, false);
    assert.ok(
      body.errors.some((e) => e.path === 'tasks[0].arguments.a'),
      JSON.stringify(body.errors),
    );
    const text = await weft(['flow', 'validate', join(dir, 'bad.yaml')]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /bad\.yaml: tasks\[0\]\.arguments\.a: /);
  });

  it('says when the server is not configured in this process', { timeout: 60_000 }, async () => {
    const file = await flowFile('elsewhere', '{ a: 1, b: 2 }', 'files');
    const result = await weft(['flow', 'validate', file, '--json']);
    assert.equal(result.code, 1);
    const [error] = (JSON.parse(result.stdout) as { errors: Problem[] }).errors;
    assert.equal(error?.path, 'tasks[0].server');
    assert.match(error?.message ?? '', /MCP server "files" is not configured in this process \(configured: everything\)/);
    const unset = await weft(['flow', 'validate', file, '--json'], { WEFT_MCP_SERVERS: '' });
    assert.match((JSON.parse(unset.stdout) as { errors: Problem[] }).errors[0]?.message ?? '', /WEFT_MCP_SERVERS is unset here/);
  });

  it('checks an agent’s MCP tools and flow tools the same way', { timeout: 60_000 }, async () => {
    const file = join(dir, 'triage.yaml');
    await writeFile(
      file,
      'id: triage\ntasks:\n  - id: t\n    type: agent\n    provider: openai\n    model: m\n    prompt: hi\n    tools:\n      - { flow: default/labeller }\n      - { mcp: everything, tools: [get-sum, no-such-tool] }\n',
    );
    const result = await weft(['flow', 'validate', file, '--json']);
    assert.equal(result.code, 1, result.stderr);
    const paths = (JSON.parse(result.stdout) as { errors: Problem[] }).errors.map((e) => e.path).sort();
    assert.deepEqual(paths, ['tasks[0].tools[0].flow', 'tasks[0].tools[1].tools[1]'], result.stdout);
  });

  it('refuses to save a flow whose mcp task does not fit, and saves nothing', { timeout: 60_000 }, async () => {
    const refused = await weft(['flow', 'save', join(dir, 'bad.yaml'), '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /tasks\[0\]\.arguments\.a/);
    const listed = await weft(['flow', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { flows: unknown[] }).flows, []);
    const saved = await weft(['flow', 'save', join(dir, 'good.yaml'), '--json']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal((JSON.parse(saved.stdout) as { saved: Array<{ flow: string }> }).saved[0]?.flow, 'default/good');
  });
});
