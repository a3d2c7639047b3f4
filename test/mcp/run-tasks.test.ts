// run_flow as an MCP task, over stdio and Streamable HTTP with the SDK's Client: the task id is
// the run id, tasks/get follows the run (working, input_required on an approval, completed),
// tasks/result answers what run_flow answers, tasks/cancel cancels the run; an ordinary call
// with waitSeconds still answers inline.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type CallToolResult, CallToolResultSchema, CreateTaskResultSchema, type Task } from '@modelcontextprotocol/sdk/types.js';
import { describeOverBothTransports, structured } from '../helpers/mcp-clients.js';

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<Task> {
  const created = await client.request({ method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } }, CreateTaskResultSchema);
  return created.task;
}

/** Polls tasks/get until the task's status is one of `wanted`; returns every status seen. */
async function statusesUntil(client: Client, taskId: string, wanted: readonly Task['status'][], timeoutMs = 20_000): Promise<Task['status'][]> {
  const seen: Task['status'][] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const task = await client.experimental.tasks.getTask(taskId);
    if (seen.at(-1) !== task.status) seen.push(task.status);
    if (wanted.includes(task.status)) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId}: statuses ${seen.join(' → ')}, never ${wanted.join(' or ')}`);
}

describeOverBothTransports('run_flow as an MCP task', (connect, transport) => {
  const ns = `tasks${transport}`;
  let client: Client;
  before(async () => {
    client = await connect();
    await call(client, 'save_flow', {
      flow: `id: slow\nnamespace: ${ns}\ninputs:\n  - { id: who, type: string }\ntasks:\n  - { id: nap, type: sleep, duration: 1s }\noutputs: { greeting: "hello {{ inputs.who }}" }\n`,
    });
    await call(client, 'save_flow', { flow: `id: nap\nnamespace: ${ns}\ntasks:\n  - { id: nap, type: sleep, duration: 1h }\n` });
    await call(client, 'save_flow', { flow: `id: gate\nnamespace: ${ns}\ntasks:\n  - { id: ok, type: approval, approvers: any, message: "Go?" }\n` });
  });

  it('declares tasks for tools/call and marks run_flow optional', async () => {
    assert.ok(client.getServerCapabilities()?.tasks?.requests?.tools?.call, 'tasks.requests.tools.call declared');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.find((t) => t.name === 'run_flow')?.execution, { taskSupport: 'optional' });
    assert.equal(tools.find((t) => t.name === 'get_run')?.execution, undefined);
  });

  it('answers with a task whose id is the run id, working then completed, and tasks/result gives the outputs', async () => {
    const task = await callAsTask(client, 'run_flow', { flow: `${ns}/slow`, inputs: { who: 'tasks' } });
    assert.equal(task.status, 'working');
    const run = structured<{ runId: string; state: string }>(await call(client, 'get_run', { runId: task.taskId }));
    assert.equal(run.runId, task.taskId, 'the task id is a run id get_run knows');
    const seen = await statusesUntil(client, task.taskId, ['completed', 'failed', 'cancelled']);
    assert.deepEqual(seen, ['working', 'completed']);
    const result = (await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    const outcome = structured<{ runId: string; state: string; started: boolean; outputs: Record<string, unknown> }>(result);
    assert.equal(outcome.runId, task.taskId);
    assert.equal(outcome.state, 'COMPLETED');
    assert.equal(outcome.started, true);
    assert.deepEqual(outcome.outputs, { greeting: 'hello tasks' });
  });

  it('shows input_required while an approval waits, and completed once it is answered', async () => {
    const task = await callAsTask(client, 'run_flow', { flow: `${ns}/gate` });
    const waiting = await client.experimental.tasks.getTask(task.taskId);
    const seen = waiting.status === 'input_required' ? ['input_required'] : await statusesUntil(client, task.taskId, ['input_required']);
    assert.equal(seen.at(-1), 'input_required');
    assert.match((await client.experimental.tasks.getTask(task.taskId)).statusMessage ?? '', /approval ok/);
    const answer = structured<{ accepted: boolean }>(await call(client, 'respond_to_approval', { runId: task.taskId, taskId: 'ok', approved: true }));
    assert.equal(answer.accepted, true);
    assert.deepEqual((await statusesUntil(client, task.taskId, ['completed', 'failed', 'cancelled'])).at(-1), 'completed');
  });

  it('cancels the run on tasks/cancel: the run ends CANCELLED and the task cancelled', async () => {
    const task = await callAsTask(client, 'run_flow', { flow: `${ns}/nap` });
    await client.experimental.tasks.cancelTask(task.taskId);
    const ended = structured<{ state: string }>(await call(client, 'get_run', { runId: task.taskId, waitSeconds: 20 }));
    assert.equal(ended.state, 'CANCELLED');
    assert.equal((await client.experimental.tasks.getTask(task.taskId)).status, 'cancelled');
  });

  it('refuses a task call with arguments that do not fit, naming the valid ones', async () => {
    await assert.rejects(callAsTask(client, 'run_flow', { flow: `${ns}/slow`, wait: 5 }), /waitSeconds/);
  });

  it('still answers an ordinary run_flow call with waitSeconds inline', async () => {
    const asked = Date.now();
    const result = structured<{ state: string; outputs: Record<string, unknown> }>(
      await call(client, 'run_flow', { flow: `${ns}/slow`, inputs: { who: 'inline' }, waitSeconds: 20 }),
    );
    assert.equal(result.state, 'COMPLETED');
    assert.deepEqual(result.outputs, { greeting: 'hello inline' });
    assert.ok(Date.now() - asked < 15_000, 'answered when the run ended, not by polling a task');
  });
});
