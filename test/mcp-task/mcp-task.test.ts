// `mcp` tasks against a real MCP server written independently of Weft (server-everything),
// over stdio and Streamable HTTP, with a real worker on the real Temporal dev server.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { McpServices } from '../../mcp/services.js';
import { listTaskTypes, validateFlow } from '../../mcp/tools/flow-tools.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { McpClientPool } from '../../src/services/mcp-client/client-pool.js';
import { checkMcpTasks } from '../../src/services/mcp-client/flow-check.js';
import { parseMcpServers } from '../../src/services/mcp-client/server-config.js';
import { freePort } from '../helpers/free-port.js';
import { createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const SERVER = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const SECRET = 'mcp-secret-value-7f3a9c';

/** A flow of one slow call (2 s, with progress) to `server`, long enough to kill the server under it. */
const longCall = (id: string, server: string) => `
id: ${id}
tasks:
  - id: slow
    type: mcp
    server: ${server}
    tool: trigger-long-running-operation
    arguments: { duration: 2, steps: 4 }
outputs:
  slow: "{{ outputs.slow }}"
`;

describe('mcp tasks', () => {
  let env: TestEnv;
  let pool: McpClientPool;
  let http: ChildProcess;
  let port: number;

  /** server-everything over Streamable HTTP on `port`, listening. */
  async function startHttpServer(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [SERVER, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    child.stderr?.on('data', (d: Buffer) => {
      said += d.toString();
    });
    await waitFor('the HTTP MCP server to listen', async () => (said.includes('listening') ? true : undefined), 20_000);
    return child;
  }

  before(async () => {
    port = await freePort();
    http = await startHttpServer();
    const servers = parseMcpServers(
      JSON.stringify({
        everything: { command: process.execPath, args: [SERVER, 'stdio'], env: { API_TOKEN: "{{ secret('MCP_TOKEN') }}" }, concurrency: 2 },
        remote: { url: `http://127.0.0.1:${port}/mcp`, headers: { Authorization: "Bearer {{ secret('MCP_TOKEN') }}" } },
      }),
    );
    const secrets = { get: (name: string) => (name === 'MCP_TOKEN' ? SECRET : undefined) };
    pool = new McpClientPool(servers, secrets);
    env = await createTestEnv({ mcp: pool, secrets });
  });
  after(async () => {
    await env.close();
    await pool.close();
    http.kill();
  });

  it('runs a tool over stdio and over Streamable HTTP, with the result in outputs', async () => {
    const view = await runFlow(
      env,
      `
id: mcp-sum
inputs: [{ id: a, type: number }]
tasks:
  - id: sum
    type: mcp
    server: everything
    tool: get-sum
    arguments: { a: "{{ inputs.a }}", b: 2 }
  - id: weather
    type: mcp
    server: remote
    tool: get-structured-content
    arguments: { location: "New York" }
outputs:
  sum: "{{ outputs.sum }}"
  weather: "{{ outputs.weather }}"
`,
      { a: 40 },
    );
    assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    const sum = view.outputs?.sum as { content: string; structured: unknown; isError: boolean };
    assert.match(sum.content, /42/);
    assert.equal(sum.isError, false);
    const weather = view.outputs?.weather as { structured: { temperature: number } };
    assert.equal(typeof weather.structured.temperature, 'number');
  });

  it('reports argument problems with paths at validation, and unknown servers and tools', async () => {
    const parsed = parseFlow(`
id: mcp-bad
inputs: [{ id: x, type: string }]
tasks:
  - id: ok
    type: log
    message: hi
  - id: sum
    type: mcp
    server: everything
    tool: get-sum
    arguments: { a: "one", c: "{{ inputs.x }}" }
  - id: other
    type: mcp
    server: nowhere
    tool: anything
  - id: missing
    type: mcp
    server: remote
    tool: no-such-tool
`);
    assert.ok(parsed.valid, JSON.stringify(parsed.valid ? [] : parsed.problems));
    const { errors } = await checkMcpTasks(parsed.flow, pool);
    const paths = errors.map((e) => e.path);
    assert.ok(paths.includes('tasks[1].arguments.a'), JSON.stringify(errors));
    assert.ok(paths.includes('tasks[1].arguments.b'), JSON.stringify(errors));
    const unknown = errors.find((e) => e.path === 'tasks[2].server');
    assert.match(unknown?.message ?? '', /not configured in this process/);
    assert.match(unknown?.hint ?? '', /WEFT_MCP_SERVERS must be the same for every Weft process/);
    assert.ok(paths.includes('tasks[3].tool'));
  });

  it('answers validate_flow with the paths and list_task_types with the servers and their tools', async () => {
    const ctx = { services: { mcpServers: pool } as unknown as McpServices, access: { caller: 'local', toolVisible: () => true, scriptsAllowed: true } };
    const call = { signal: new AbortController().signal, progress: async () => undefined };
    const flow = 'id: v\ntasks:\n  - { id: s, type: mcp, server: everything, tool: get-sum, arguments: { a: 1, b: "two" } }\n';
    const checked = await validateFlow.run({ flow }, call, ctx);
    assert.equal(checked.structured.valid, false);
    assert.deepEqual(
      checked.structured.errors.map((e) => e.path),
      ['tasks[0].arguments.b'],
    );
    const listed = await listTaskTypes.run({ type: 'mcp' }, call, ctx);
    const servers = listed.structured.mcpServers as Array<{ name: string; tools: Array<{ name: string; inputSchema: { properties?: object } }> }>;
    assert.deepEqual(
      servers.map((s) => s.name),
      ['everything', 'remote'],
    );
    const sum = servers[0]?.tools.find((t) => t.name === 'get-sum');
    assert.ok(sum?.inputSchema.properties && 'a' in sum.inputSchema.properties);
  });

  it('fails a tool answering isError as McpToolError, retried per the task', async () => {
    const view = await runFlow(
      env,
      `
id: mcp-error
tasks:
  - id: ref
    type: mcp
    server: everything
    tool: get-resource-reference
    arguments: { resourceId: -1 }
    retry: { maxAttempts: 2, initialInterval: 100ms }
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'McpToolError');
    assert.match(view.error?.message ?? '', /Invalid resourceId/);
    assert.equal(taskOf(view, 'ref').attempts, 2);
  });

  it('reconnects a stdio server killed mid-call and completes without a second attempt', async () => {
    const started = runFlow(env, longCall('mcp-kill', 'everything'));
    const before = pool.stats('everything');
    const pid = await waitFor(
      'the long call to be under way',
      async () => {
        const now = pool.stats('everything');
        return now.inFlight > 0 && now.pid ? now.pid : undefined;
      },
      20_000,
    );
    process.kill(pid, 'SIGKILL');
    const view = await started;
    assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    assert.match((view.outputs?.slow as { content: string } | undefined)?.content ?? '', /Long running operation completed/);
    assert.equal(taskOf(view, 'slow').attempts, 1);
    const after = pool.stats('everything');
    assert.ok(after.connects > before.connects, 'the server was connected again');
    assert.notEqual(after.pid, pid);
  });

  it('reconnects a Streamable HTTP server killed mid-call and started again, and completes without a second attempt', async () => {
    const started = runFlow(env, longCall('mcp-kill-http', 'remote'));
    const before = pool.stats('remote');
    await waitFor('the long call to be under way', async () => (pool.stats('remote').inFlight > 0 ? true : undefined), 20_000);
    const exited = new Promise((resolve) => http.once('exit', resolve));
    http.kill('SIGKILL');
    await exited;
    http = await startHttpServer();
    const view = await started;
    assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    assert.match((view.outputs?.slow as { content: string } | undefined)?.content ?? '', /Long running operation completed/);
    assert.equal(taskOf(view, 'slow').attempts, 1);
    assert.ok(pool.stats('remote').connects > before.connects, 'the server was connected again');
  });

  it('keeps the secret of env and headers out of history and outputs', async () => {
    const view = await runFlow(
      env,
      `
id: mcp-secret
tasks:
  - id: envs
    type: mcp
    server: everything
    tool: get-env
  - id: echo
    type: mcp
    server: remote
    tool: echo
    arguments: { message: hello }
outputs:
  envs: "{{ outputs.envs }}"
`,
    );
    assert.equal(view.state, 'COMPLETED', JSON.stringify(view.error));
    const content = (view.outputs?.envs as { content: string } | undefined)?.content ?? '';
    assert.match(content, /API_TOKEN/);
    assert.ok(!content.includes(SECRET));
    const history = await env.client.workflow.getHandle(view.runId).fetchHistory();
    assert.ok(!JSON.stringify(history).includes(SECRET), 'the secret is not in the history');
  });
});
