// Elicitation answers that do not fit the approval's form, with the SDK's Client over HTTP: a
// key the form did not ask for or a value out of range is refused with the reason, the user
// is asked again once, and `run_flow` always answers with the run it started.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type HttpMcpServer, startHttpMcp, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const RELEASE_FLOW = `id: release
namespace: forms
tasks:
  - id: ok
    type: approval
    message: "Ship release 9?"
    fields:
      type: object
      properties:
        reason: { type: string }
        replicas: { type: integer, minimum: 1, maximum: 10 }
      required: [reason]
outputs: { approved: "{{ outputs.ok.approved }}", replicas: "{{ outputs.ok.data.replicas }}" }
`;

interface RunFlowResult {
  runId: string;
  state: string;
  started: boolean;
  outputs?: Record<string, unknown>;
  approvals?: { taskId: string }[];
  refusedAnswers?: { taskId: string; reason: string }[];
}

describe('elicitation answers that do not fit the form', () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  before(async () => {
    env = await createTestEnv();
    mcp = await startHttpMcp(env);
    const setup = await mcp.connect();
    structured(await setup.callTool({ name: 'save_flow', arguments: { flow: RELEASE_FLOW } }));
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  /** A client whose user gives these answers in turn (then declines), recording each question. */
  async function userAnswering(answers: Record<string, unknown>[]) {
    const asked: string[] = [];
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      const content = answers[asked.length - 1];
      return content ? { action: 'accept', content: content as Record<string, string> } : { action: 'decline' };
    });
    return { client, asked };
  }

  async function runRelease(client: Awaited<ReturnType<HttpMcpServer['connect']>>, waitSeconds: number) {
    const result = await client.callTool({ name: 'run_flow', arguments: { flow: 'forms/release', waitSeconds } }, undefined, { timeout: 60_000 });
    return { result, run: structured<RunFlowResult>(result) };
  }

  it('refuses an answer with a key the form did not ask for, asks once more, and names the started run that still waits', async () => {
    const extra = { approved: true, reason: 'go', colour: 'blue' };
    const { client, asked } = await userAnswering([extra, extra, extra]);
    const { result, run } = await runRelease(client, 8);
    assert.notEqual(result.isError, true, textOf(result));
    assert.match(run.runId, /release/);
    assert.deepEqual([run.state, run.started], ['WAITING', true]);
    assert.deepEqual(
      run.approvals?.map((a) => a.taskId),
      ['ok'],
    );
    assert.equal(asked.length, 2, 'asked again once, not more');
    assert.match(asked[1] ?? '', /^Your answer was not taken: answer colour is not a field of this approval \(fields: approved, comment, reason, replicas\)/);
    assert.equal(run.refusedAnswers?.length, 1);
    assert.equal(run.refusedAnswers?.[0]?.taskId, 'ok');
    assert.match(run.refusedAnswers?.[0]?.reason ?? '', /colour is not a field of this approval/);
    assert.match(textOf(result), /the user's answer was refused/);
    // The refused answer never reached the run, and nothing else started: one run, still waiting.
    const listed = structured<{ runs: { runId: string; state: string }[] }>(await client.callTool({ name: 'list_runs', arguments: { flow: 'forms/release' } }));
    assert.deepEqual(
      listed.runs.filter((r) => r.runId === run.runId).map((r) => r.state),
      ['WAITING'],
    );
    await client.callTool({ name: 'cancel_run', arguments: { runId: run.runId, force: true } });
  });

  it('refuses an out-of-range value with the reason, then takes the corrected answer', async () => {
    const { client, asked } = await userAnswering([
      { approved: true, reason: 'go', replicas: 11 },
      { approved: true, reason: 'go', replicas: 3 },
    ]);
    const { run } = await runRelease(client, 30);
    assert.equal(asked.length, 2);
    assert.match(asked[1] ?? '', /^Your answer was not taken: answer replicas must be <= 10 \(got 11\)/);
    assert.equal(run.state, 'COMPLETED');
    assert.deepEqual(run.outputs, { approved: true, replicas: 3 });
    assert.equal(run.refusedAnswers, undefined);
  });

  it('answers with the ended run, and tells the user their answer was not taken, when the run ended while the form was open', async () => {
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    const operator = await mcp.connect();
    const notices: Array<{ code?: string; runId?: string }> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notice) => {
      notices.push(notice.params.data as { code?: string; runId?: string });
    });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const runId = /Run (\S+) asks/.exec(request.params.message)?.[1] ?? '';
      structured(await operator.callTool({ name: 'cancel_run', arguments: { runId, force: true } }));
      return { action: 'accept', content: { approved: true, reason: 'go' } };
    });
    const { result, run } = await runRelease(client, 8);
    assert.notEqual(result.isError, true, textOf(result));
    assert.match(run.runId, /^forms\.release-/);
    assert.deepEqual([run.started, run.state], [true, 'TERMINATED']);
    assert.ok(
      notices.some((n) => n.code === 'RUN_ALREADY_ENDED' && n.runId === run.runId),
      JSON.stringify(notices),
    );
  });

  it('leaves the approval pending when the value is still out of range, and says why', async () => {
    const { client, asked } = await userAnswering([
      { approved: true, reason: 'go', replicas: 0 },
      { approved: true, reason: 'go', replicas: 0 },
    ]);
    const { result, run } = await runRelease(client, 8);
    assert.notEqual(result.isError, true, textOf(result));
    assert.equal(asked.length, 2);
    assert.equal(run.state, 'WAITING');
    assert.match(run.refusedAnswers?.[0]?.reason ?? '', /replicas must be >= 1 \(got 0\)/);
    // The approval is still open to a person's answer that fits.
    const fixer = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    fixer.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { approved: true, reason: 'fixed', replicas: 2 } }));
    const done = structured<{ state: string; outputs: Record<string, unknown> }>(
      await fixer.callTool({ name: 'get_run', arguments: { runId: run.runId, waitSeconds: 30 } }, undefined, { timeout: 60_000 }),
    );
    assert.deepEqual([done.state, done.outputs], ['COMPLETED', { approved: true, replicas: 2 }]);
  });
});
