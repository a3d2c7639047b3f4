// A person's approval (`approvers: human`) answered with respond_to_approval, with the SDK's
// Client over HTTP: the call alone never answers it. A client that can elicit shows its user the
// exact answer; only a confirmed form records it, as the user's. Declined, or not ticked, the
// approval still waits; a client that cannot elicit gets the refusal naming the console and CLI.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { type HttpMcpServer, startHttpMcp, structured, textOf } from '../helpers/mcp-clients.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const SIGN_FLOW = `id: sign
namespace: confirm
tasks:
  - id: ok
    type: approval
    message: "Sign contract 12?"
    fields:
      type: object
      properties: { amount: { type: number }, note: { type: string } }
      required: [amount]
outputs:
  approved: "{{ outputs.ok.approved }}"
  by: "{{ outputs.ok.by }}"
  comment: "{{ outputs.ok.comment }}"
  amount: "{{ outputs.ok.data.amount }}"
`;

const ANY_FLOW = `id: any
namespace: confirm
tasks:
  - { id: ok, type: approval, approvers: any, message: "Go on?" }
outputs: { by: "{{ outputs.ok.by }}" }
`;

interface RunView {
  runId: string;
  state: string;
  outputs?: Record<string, unknown>;
  approvals: { taskId: string; approvers: string }[];
}

describe("a person's approval answered by a tool call", () => {
  let env: TestEnv;
  let mcp: HttpMcpServer;
  /** A client that offers no elicitation: it starts the runs, whose approvals then wait. */
  let plain: Client;

  before(async () => {
    env = await createTestEnv();
    mcp = await startHttpMcp(env);
    plain = await mcp.connect();
    structured(await plain.callTool({ name: 'save_flow', arguments: { flow: SIGN_FLOW } }));
    structured(await plain.callTool({ name: 'save_flow', arguments: { flow: ANY_FLOW } }));
  });
  after(async () => {
    await mcp?.stop();
    await env?.close();
  });

  async function waitingRun(flow: string): Promise<string> {
    const run = structured<RunView>(await plain.callTool({ name: 'run_flow', arguments: { flow, waitSeconds: 30 } }, undefined, { timeout: 60_000 }));
    assert.equal(run.state, 'WAITING');
    return run.runId;
  }

  /** A client whose user answers every elicitation with `answer`, recording what they were asked. */
  async function userAnswering(answer: ElicitResult): Promise<{ client: Client; asked: ElicitRequest['params'][] }> {
    const asked: ElicitRequest['params'][] = [];
    const client = await mcp.connect({ capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return answer;
    });
    return { client, asked };
  }

  const answer = (runId: string) => ({
    name: 'respond_to_approval',
    arguments: { runId, taskId: 'ok', approved: true, comment: 'signed off', data: { amount: 1200, note: 'net 30' } },
  });

  it('records the answer as the user’s once they confirm the exact answer they were shown', async () => {
    const runId = await waitingRun('confirm/sign');
    const { client, asked } = await userAnswering({ action: 'accept', content: { confirm: true } });
    const result = await client.callTool(answer(runId), undefined, { timeout: 60_000 });
    assert.notEqual(result.isError, true, textOf(result));
    assert.deepEqual(structured(result), { runId, taskId: 'ok', accepted: true });
    assert.equal(asked.length, 1);
    const question = asked[0] as ElicitRequest['params'] & { message: string; requestedSchema: { properties: Record<string, unknown>; required: string[] } };
    assert.match(question.message, new RegExp(`Run ${runId.replace(/\./g, '\\.')} asks for approval \\(ok\\): Sign contract 12\\?`));
    assert.match(question.message, /decision: approve\n {2}comment: "signed off"\n {2}amount: 1200\n {2}note: "net 30"/);
    assert.deepEqual(Object.keys(question.requestedSchema.properties), ['confirm']);
    assert.deepEqual(question.requestedSchema.required, ['confirm']);
    const ended = structured<RunView>(await plain.callTool({ name: 'get_run', arguments: { runId, waitSeconds: 30 } }, undefined, { timeout: 60_000 }));
    assert.equal(ended.state, 'COMPLETED');
    assert.deepEqual(ended.outputs, { approved: true, by: 'user (via MCP elicitation)', comment: 'signed off', amount: 1200 });
  });

  for (const [title, reply, why] of [
    ['declines', { action: 'decline' }, /the user declined the confirmation/],
    ['accepts without ticking the box', { action: 'accept', content: { confirm: false } }, /without ticking the box/],
  ] as const) {
    it(`leaves the approval waiting when the user ${title}`, async () => {
      const runId = await waitingRun('confirm/sign');
      const { client, asked } = await userAnswering(reply as ElicitResult);
      const result = await client.callTool(answer(runId), undefined, { timeout: 60_000 });
      assert.equal(result.isError, true);
      assert.equal(asked.length, 1);
      assert.match(textOf(result), /APPROVAL_NOT_CONFIRMED/);
      assert.match(textOf(result), why);
      const run = structured<RunView>(await plain.callTool({ name: 'get_run', arguments: { runId } }));
      assert.equal(run.state, 'WAITING');
      assert.deepEqual(
        run.approvals.map((a) => [a.taskId, a.approvers]),
        [['ok', 'human']],
      );
      await plain.callTool({ name: 'cancel_run', arguments: { runId, force: true } });
    });
  }

  it('refuses a client that cannot elicit, naming the console and the CLI, and the approval still waits', async () => {
    const runId = await waitingRun('confirm/sign');
    const result = await plain.callTool(answer(runId));
    assert.equal(result.isError, true);
    const text = textOf(result);
    assert.match(text, /APPROVAL_NOT_ACCEPTED/);
    assert.match(text, /needs a person's answer \(approvers: human\)/);
    assert.match(text, new RegExp(`Weft console \\(/runs/${runId.replace(/\./g, '\\.')}\\)`));
    assert.match(text, new RegExp(`weft run approve ${runId.replace(/\./g, '\\.')} ok`));
    const run = structured<RunView>(await plain.callTool({ name: 'get_run', arguments: { runId } }));
    assert.equal(run.state, 'WAITING');
    await plain.callTool({ name: 'cancel_run', arguments: { runId, force: true } });
  });

  it('does not ask to confirm an answer the approval’s fields refuse', async () => {
    const runId = await waitingRun('confirm/sign');
    const { client, asked } = await userAnswering({ action: 'accept', content: { confirm: true } });
    const result = await client.callTool({ name: 'respond_to_approval', arguments: { runId, taskId: 'ok', approved: true, data: { note: 'no amount' } } });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /APPROVAL_NOT_ACCEPTED[\s\S]*data\.amount/);
    assert.equal(asked.length, 0);
    await plain.callTool({ name: 'cancel_run', arguments: { runId, force: true } });
  });

  it('asks nothing for an approval any agent may answer, and records the agent', async () => {
    const runId = await waitingRun('confirm/any');
    const { client, asked } = await userAnswering({ action: 'accept', content: { confirm: true } });
    const result = await client.callTool({ name: 'respond_to_approval', arguments: { runId, taskId: 'ok', approved: true } });
    assert.deepEqual(structured(result), { runId, taskId: 'ok', accepted: true });
    assert.equal(asked.length, 0);
    const ended = structured<RunView>(await plain.callTool({ name: 'get_run', arguments: { runId, waitSeconds: 30 } }, undefined, { timeout: 60_000 }));
    assert.match(String(ended.outputs?.by), /^agent \(/);
  });
});
