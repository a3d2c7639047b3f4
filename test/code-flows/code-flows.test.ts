// TypeScript in the same catalog: the example module's code flow (launched over MCP with
// valid and invalid inputs, its timeline, logs and an approval from code), an existing plain
// Temporal workflow launched and inspected through Weft, and a YAML flow using a task type
// defined in TypeScript.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as exampleActivities from '../../examples/code-flows/activities.js';
import exampleModule from '../../examples/code-flows/weft-module.js';
import { connectStdio, type StdioSession, structured, textOf, WEFT_BIN, weftEnv } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const run = promisify(execFile);
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'code-flows');

describe('code flows, existing workflows and custom task types', () => {
  let env: TestEnv;
  let session: StdioSession;
  let client: Client;
  let legacy: Worker;
  let legacyRunning: Promise<void>;
  let legacyConnection: NativeConnection;
  const extra = { WEFT_MODULES: join(EXAMPLE, 'weft-module.ts') };

  before(async () => {
    env = await createTestEnv({ modules: [exampleModule] });
    // An existing Temporal worker, knowing nothing of Weft, on its own task queue.
    legacyConnection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '' });
    legacy = await Worker.create({
      connection: legacyConnection,
      taskQueue: 'legacy-greetings',
      workflowsPath: join(EXAMPLE, 'workflows.ts'),
      activities: exampleActivities,
    });
    legacyRunning = legacy.run();
    session = await connectStdio(env, [], {}, extra);
    client = session.client;
  });
  after(async () => {
    await session?.close();
    legacy?.shutdown();
    await legacyRunning;
    await legacyConnection?.close();
    await env?.close();
  });

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
  }

  it('lists the code flow with its input schema derived from zod', async () => {
    const flows = structured<{ flows: { flow: string; kind: string; description?: string }[] }>(await call('list_flows', { namespace: 'examples' }));
    const entry = flows.flows.find((f) => f.flow === 'examples/order-report');
    assert.equal(entry?.kind, 'code');
    assert.match(entry?.description ?? '', /code flow/);
    const detail = structured<{ yaml: string }>(await call('get_flow', { flow: 'examples/order-report' }));
    assert.match(detail.yaml, /workflowType: orderReport/);
    assert.match(detail.yaml, /pattern: \^\\d\{4\}/);
  });

  it('refuses invalid inputs with agent-readable paths, and nothing starts', async () => {
    const bad = await call('run_flow', { flow: 'examples/order-report', inputs: { day: 'yesterday', minimum: -1 } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /inputs\.day must be a date such as 2026-11-23/, 'the zod schema’s own message');
    assert.match(textOf(bad), /inputs\.minimum/);
    const missing = await call('run_flow', { flow: 'examples/order-report', inputs: {} });
    assert.match(textOf(missing), /inputs\.day is required/);
    const runs = structured<{ runs: unknown[] }>(await call('list_runs', { flow: 'examples/order-report' }));
    assert.equal(runs.runs.length, 0);
  });

  it('runs the code flow: timeline of steps, logs, and an approval answered like any other', async () => {
    const waiting = structured<{ runId: string; state: string; approvals: { taskId: string; message: string }[] }>(
      await call('run_flow', { flow: 'examples/order-report', inputs: { day: '2026-11-23' }, waitSeconds: 20 }),
    );
    assert.equal(waiting.state, 'WAITING');
    assert.deepEqual(
      waiting.approvals.map((a) => [a.taskId, a.message]),
      [['publish', 'Publish the report of 2026-11-23 (total 60)?']],
    );
    const live = structured<{ tasks: { id: string; type: string; state: string }[] }>(await call('get_run', { runId: waiting.runId }));
    assert.deepEqual(
      live.tasks.map((t) => [t.id, t.type, t.state]),
      [
        ['fetch', 'step', 'COMPLETED'],
        ['total', 'step', 'COMPLETED'],
        ['publish', 'approval', 'WAITING'],
      ],
    );
    // A bundle holding code flows keeps the SDK's stack traces (Weft's own bundle turns them off,
    // see workflows/promise-stacks-off.ts): the frames are the user's code.
    const stack = await env.client.workflow.getHandle(waiting.runId).query<string>('__stack_trace');
    assert.match(stack, /order-report|orderReport|workflows\.ts/, 'the code flow’s own frames');
    structured(await call('respond_to_approval', { runId: waiting.runId, taskId: 'publish', approved: true }));
    const done = structured<{ state: string; outputs: Record<string, unknown>; tasks: { id: string; state: string }[]; flow: string }>(
      await call('get_run', { runId: waiting.runId, waitSeconds: 20 }),
    );
    assert.equal(done.state, 'COMPLETED');
    assert.equal(done.flow, 'examples/order-report');
    assert.deepEqual(done.outputs, { day: '2026-11-23', orders: 3, total: 60, approved: true });
    assert.deepEqual(
      done.tasks.map((t) => [t.id, t.state]),
      [
        ['fetch', 'COMPLETED'],
        ['total', 'COMPLETED'],
        ['publish', 'COMPLETED'],
      ],
    );
    const output = structured<{ taskOutput: { value: unknown[] } }>(await call('get_run', { runId: waiting.runId, taskId: 'fetch' }));
    assert.equal(output.taskOutput.value.length, 3);
    const logs = structured<{ entries: { taskId: string; message: string }[] }>(await call('query_logs', { runId: waiting.runId }));
    assert.ok(logs.entries.some((e) => e.taskId === 'fetch' && e.message === 'fetched 3 orders for 2026-11-23'));
  });

  it('launches and inspects an existing Temporal workflow registered from a file', async () => {
    const { stdout } = await run(process.execPath, [WEFT_BIN, 'flow', 'register', join(EXAMPLE, 'existing-workflows.yaml'), '--json'], {
      env: weftEnv(env, extra),
    });
    assert.deepEqual(JSON.parse(stdout).registered, [{ flow: 'legacy/greeting', revision: 1, created: true }]);
    const bad = await call('run_flow', { flow: 'legacy/greeting', inputs: { name: 'Ada', times: 0 } });
    assert.match(textOf(bad), /inputs\.times/);
    const done = structured<{ runId: string; state: string; outputs: Record<string, unknown> }>(
      await call('run_flow', { flow: 'legacy/greeting', inputs: { name: 'Ada', times: 3 }, waitSeconds: 20 }),
    );
    assert.equal(done.state, 'COMPLETED');
    assert.deepEqual(done.outputs, { result: 'Hello Ada x3' });
    const detail = structured<{ inputs: Record<string, unknown>; tasks: { id: string; type: string; state: string }[] }>(
      await call('get_run', { runId: done.runId }),
    );
    assert.deepEqual(detail.inputs, { args: ['Ada', 3] });
    assert.deepEqual(
      detail.tasks.map((t) => [t.id, t.type, t.state]),
      [['totalOf', 'activity', 'COMPLETED']],
    );
    const listed = structured<{ runs: { runId: string }[] }>(await call('list_runs', { flow: 'legacy/greeting' }));
    assert.deepEqual(
      listed.runs.map((r) => r.runId),
      [done.runId],
    );
  });

  it('validates and runs a YAML flow that uses a task type defined in TypeScript', async () => {
    const types = structured<{ types: { type: string; origin: string }[] }>(await call('list_task_types', {}));
    assert.ok(types.types.some((t) => t.type === 'slugify' && t.origin === 'code'));
    const full = structured<{ types: { config: { properties: Record<string, unknown> } }[] }>(await call('list_task_types', { type: 'slugify' }));
    assert.ok(full.types[0]?.config.properties.maxLength);
    const invalid = await call('save_flow', { flow: 'id: bad-slug\ntasks:\n  - { id: s, type: slugify, text: x, maxLength: 0, colour: red }\n' });
    assert.equal(invalid.isError, true);
    assert.match(textOf(invalid), /tasks\[0\]\.maxLength/);
    assert.match(textOf(invalid), /tasks\[0\]\.colour/);
    const { readFile } = await import('node:fs/promises');
    structured(await call('save_flow', { flow: await readFile(join(EXAMPLE, 'slug-flow.yaml'), 'utf8') }));
    const done = structured<{ state: string; outputs: Record<string, unknown>; runId: string }>(
      await call('run_flow', { flow: 'examples/publish-post', inputs: { title: 'Hello, Weft World!' }, waitSeconds: 20 }),
    );
    assert.equal(done.state, 'COMPLETED');
    assert.deepEqual(done.outputs, { slug: 'hello-weft-world' });
    const logs = structured<{ entries: { message: string }[] }>(await call('query_logs', { runId: done.runId, taskId: 'slug' }));
    assert.ok(logs.entries.some((e) => e.message === 'slug for "Hello, Weft World!" is hello-weft-world'));
  });
});
