// A restart through each adapter: `weft run restart` as a process (JSON and text, an error as
// one line with its hint) and MCP `restart_run` with a real SDK client (a call and a task); and a
// large seed kept out of history by the claim-check codec.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type CallToolResult, CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { FlowRunInput } from '../../src/core/runs/run-types.js';
import type { RunService } from '../../src/services/run-service.js';
import { historyValues } from '../../src/services/temporal/history-payloads.js';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';
import { triggerMcpClient, triggerServices } from '../helpers/trigger-services.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const hits = (server: TestHttpServer, path: string) => server.requests.filter((r) => r.url === path).length;

describe('restart through the CLI and MCP', () => {
  let env: TestEnv;
  let runs: RunService;
  let server: TestHttpServer;
  let mcp: Client;
  const broken = new Set<string>();

  const weft = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, WEFT_DATA_DIR: env.dataDir, WEFT_TASK_QUEUE: env.taskQueue } },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const flow = (name: string) => `id: ${name}\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - { id: first, type: http, url: "{{ inputs.base }}/${name}/first" }
  - { id: second, type: http, url: "{{ inputs.base }}/${name}/second" }\n`;
  const failedRun = async (name: string) => {
    broken.add(`/${name}/second`);
    const yaml = flow(name);
    const { runId } = await runs.startUnsaved(flowFrom(yaml), yaml, { inputs: { base: server.url } });
    assert.equal(await runs.waitForClose(runId), 'FAILED');
    broken.delete(`/${name}/second`);
    return runId;
  };

  before(async () => {
    env = await createTestEnv();
    ({ runs } = await triggerServices(env));
    mcp = await triggerMcpClient(env);
    server = await startHttpServer();
    server.route('/big/', (_req, res) => json(res, 200, { filler: 'x'.repeat(4000) }));
    server.route('/', (req, res) => (broken.has(req.url) ? json(res, 500, { error: 'broken' }) : json(res, 200, { path: req.url })));
  });
  after(async () => {
    await mcp.close();
    await server.close();
    await env.close();
  });

  it('weft run restart restarts from the failed task and prints what it reused', async () => {
    const file = join(env.dataDir, 'cli.yaml');
    await writeFile(file, flow('cli'));
    broken.add('/cli/second');
    const first = await weft(['run', 'start', file, '--input', `base=${server.url}`, '--wait', '--json']);
    assert.equal(first.code, 1, first.stderr);
    const original = JSON.parse(first.stdout) as { runId: string; state: string };
    assert.equal(original.state, 'FAILED');
    broken.delete('/cli/second');

    const unknown = await weft(['run', 'restart', original.runId, '--from', 'secnod']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `error: fromTask "secnod" is not a task of restart/cli (hint: did you mean "second"? tasks: first, second)\n`);

    const restarted = await weft(['run', 'restart', original.runId, '--wait', '--json']);
    assert.equal(restarted.code, 0, restarted.stderr + restarted.stdout);
    const view = JSON.parse(restarted.stdout) as { runId: string; state: string; restartOf: string; trigger: string; reused: string[] };
    assert.equal(view.state, 'COMPLETED');
    assert.equal(view.restartOf, original.runId);
    assert.equal(view.trigger, 'restart');
    assert.deepEqual(view.reused, ['first']);
    assert.equal(hits(server, '/cli/first'), 1);

    const text = await weft(['run', 'restart', view.runId, '--from', 'second']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^restarted ${view.runId.replace(/\./g, '\\.')} from second as \\S+ \\(1 task run reusable\\)\\n$`));
  });

  it('restart_run over MCP answers like run_flow, with restartOf and the task runs it reused', async () => {
    const runId = await failedRun('mcp');
    const result = (await mcp.callTool({ name: 'restart_run', arguments: { runId, waitSeconds: 30 } })) as CallToolResult;
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    const answer = result.structuredContent as { runId: string; state: string; restartOf: string; reused: string[] };
    assert.equal(answer.state, 'COMPLETED');
    assert.equal(answer.restartOf, runId);
    assert.deepEqual(answer.reused, ['first']);
    assert.equal(hits(server, '/mcp/first'), 1);
    const got = (await mcp.callTool({ name: 'get_run', arguments: { runId: answer.runId } })) as CallToolResult;
    const detail = got.structuredContent as { restartOf: string; trigger: string; tasks: Array<{ id: string; reusedFrom?: string }> };
    assert.equal(detail.restartOf, runId);
    assert.equal(detail.trigger, 'restart');
    assert.equal(detail.tasks.find((t) => t.id === 'first')?.reusedFrom, runId);

    const refused = (await mcp.callTool({ name: 'restart_run', arguments: { runId, fromTask: 'nope' } })) as CallToolResult;
    assert.equal(refused.isError, true);
    assert.match(JSON.stringify(refused.content), /UNKNOWN_TASK/);
  });

  it('restart_run as an MCP task: the task id is the new run id, and tasks/result answers what restart_run answers', async () => {
    const runId = await failedRun('task');
    const created = await mcp.request(
      { method: 'tools/call', params: { name: 'restart_run', arguments: { runId }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    const taskId = created.task.taskId;
    assert.notEqual(taskId, runId);
    assert.equal(await runs.waitForClose(taskId), 'COMPLETED');
    assert.equal((await mcp.experimental.tasks.getTask(taskId)).status, 'completed');
    const result = (await mcp.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as CallToolResult;
    const answer = result.structuredContent as { runId: string; state: string; restartOf: string; reused: string[] };
    assert.deepEqual([answer.runId, answer.state, answer.restartOf, answer.reused], [taskId, 'COMPLETED', runId, ['first']]);
  });

  it('keeps a large seed out of history: the restart of a foreach of 50 with 4 KB outputs starts with a reference', async (t) => {
    const yaml = `id: bigseed\nnamespace: restart\ninputs: [{ id: base, type: string }]\ntasks:
  - id: each
    type: foreach
    items: "{{ [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49] }}"
    concurrency: 10
    tasks:
      - { id: call, type: http, url: "{{ inputs.base }}/big/{{ item }}" }
  - { id: after_each, type: http, url: "{{ inputs.base }}/bigseed/after" }\n`;
    broken.add('/bigseed/after');
    const { runId } = await runs.startUnsaved(flowFrom(yaml), yaml, { inputs: { base: server.url } });
    assert.equal(await runs.waitForClose(runId), 'FAILED');
    broken.delete('/bigseed/after');
    const restarted = await runs.restartRun({ runId });
    assert.equal(restarted.reusable.length, 50);
    assert.equal(await runs.waitForClose(restarted.runId), 'COMPLETED');
    const history = await env.client.workflow.getHandle(restarted.runId).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const bytes = (payload?.data?.length ?? 0) + Object.values(payload?.metadata ?? {}).reduce((n, v) => n + (v?.length ?? 0), 0);
    const input = (await historyValues(env.client.options.loadedDataConverter, [payload]))[0] as FlowRunInput;
    const seedBytes = JSON.stringify(input.restart).length;
    t.diagnostic(`restart seed: ${seedBytes} bytes of JSON for 50 task runs; start input in history: ${bytes} bytes`);
    assert.ok(seedBytes > 128 * 1024, `the seed is ${seedBytes} bytes`);
    assert.ok(bytes < 1024, `the start input holds ${bytes} bytes in history`);
    assert.equal(server.requests.filter((r) => r.url.startsWith('/big/')).length, 50, 'no iteration ran twice');
  });
});
