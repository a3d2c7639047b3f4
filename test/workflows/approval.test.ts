import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApprovalAlreadyDecidedError, getRunningView, respondToApproval, startRun, waitForRun } from '../../src/services/runs/run-client.js';
import { assertCompleted, createTestEnv, flowFrom, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const gate = (extra = '') => `
id: gated
tasks:
  - id: ok
    type: approval
    message: "Ship it?"
    fields:
      type: object
      properties:
        reason: { type: string }
        priority: { type: integer, minimum: 1, maximum: 5 }
      required: [reason]
${extra}
  - id: after
    type: set
    values: { approved: "{{ outputs.ok.approved }}", reason: "{{ has(outputs.ok.data.reason) ? outputs.ok.data.reason : 'none' }}" }
outputs: { approved: "{{ outputs.after.approved }}", reason: "{{ outputs.after.reason }}", by: "{{ outputs.ok.by }}" }
`;

describe('approval task answered through a Temporal update', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  async function startAndWait(yaml: string): Promise<string> {
    const { runId } = await startRun(env.client, { flow: flowFrom(yaml), taskQueue: env.taskQueue });
    await waitFor('the approval to be pending', async () => {
      const view = await getRunningView(env.client, runId);
      return view.state === 'WAITING' && view.approvals.length > 0 ? view : undefined;
    });
    return runId;
  }

  it('shows WAITING with the pending approval, validates data, and completes when approved', async () => {
    const runId = await startAndWait(gate());
    // Weft's own bundle captures no promise stacks (workflows/promise-stacks-off.ts): the
    // stack-trace query answers without a frame; where the run waits is in its task runs.
    assert.doesNotMatch(await env.client.workflow.getHandle(runId).query<string>('__stack_trace'), /\bat /);
    const pending = (await getRunningView(env.client, runId)).approvals[0];
    assert.equal(pending?.taskId, 'ok');
    assert.equal(pending?.message, 'Ship it?');
    await assert.rejects(
      respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human', data: { priority: 9 } }),
      /reason is required|priority must be <= 5/,
    );
    await assert.rejects(
      respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'bot', approver: 'agent', data: { reason: 'x' } }),
      /needs a person's answer/,
    );
    await assert.rejects(
      respondToApproval(env.client, runId, { taskId: 'nope', approved: true, by: 'ann', approver: 'human' }),
      /no approval is waiting at nope/,
    );
    const answer = await respondToApproval(env.client, runId, {
      taskId: 'ok',
      approved: true,
      by: 'ann',
      approver: 'human',
      data: { reason: 'tested', priority: 2 },
    });
    assert.equal(answer.approved, true);
    const view = await waitForRun(env.client, runId);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { approved: true, reason: 'tested', by: 'ann' });
    const description = await env.client.workflow.getHandle(runId).describe();
    assert.equal(description.status.name, 'COMPLETED');
  });

  it('fails the run when rejected with onReject: fail (the default)', async () => {
    const runId = await startAndWait(gate());
    await respondToApproval(env.client, runId, { taskId: 'ok', approved: false, by: 'bob', approver: 'human', comment: 'not today' });
    const view = await waitForRun(env.client, runId);
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ApprovalRejected');
    assert.match(view.error?.message ?? '', /rejected by bob: not today/);
  });

  it('goes on when rejected with onReject: continue', async () => {
    const runId = await startAndWait(gate('    onReject: continue'));
    await respondToApproval(env.client, runId, { taskId: 'ok', approved: false, by: 'bob', approver: 'human' });
    const view = await waitForRun(env.client, runId);
    assertCompleted(view);
    assert.deepEqual(view.outputs, { approved: false, reason: 'none', by: 'bob' });
  });

  it('answers a repeated response with the same update instead of a second answer', async () => {
    const runId = await startAndWait(gate('    onReject: continue'));
    const first = await respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human', data: { reason: 'a' } });
    const again = await respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human', data: { reason: 'a' } });
    assert.deepEqual(again, first);
    assertCompleted(await waitForRun(env.client, runId));
  });

  it('refuses a different answer to a decided approval with the decision it has; the run keeps the first', async () => {
    const runId = await startAndWait(gate('    onReject: continue'));
    const first = await respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human', data: { reason: 'a' } });
    const refused = await respondToApproval(env.client, runId, { taskId: 'ok', approved: false, by: 'bob', approver: 'human' }).then(
      () => assert.fail('a second answer was accepted'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof ApprovalAlreadyDecidedError, String(refused));
    assert.equal(refused.code, 'APPROVAL_ALREADY_DECIDED');
    assert.deepEqual(refused.decision, { approved: true, by: 'ann', respondedAt: first.respondedAt });
    assert.match(refused.message, /^approval ok of run .+ was already approved by ann at /);
    // The same answer again is the same update: accepted, not refused.
    assert.deepEqual(await respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human', data: { reason: 'a' } }), first);
    const done = await waitForRun(env.client, runId);
    assertCompleted(done);
    assert.deepEqual(done.outputs, { approved: true, reason: 'a', by: 'ann' });
    // After the run has ended the refusal still names the decision.
    await assert.rejects(
      respondToApproval(env.client, runId, { taskId: 'ok', approved: false, by: 'bob', approver: 'human' }),
      (error: unknown) => error instanceof ApprovalAlreadyDecidedError && error.decision.by === 'ann' && error.decision.approved,
    );
  });

  it('two different answers sent at the same time: exactly one is accepted, the other gets its decision', async () => {
    for (let round = 0; round < 3; round++) {
      const runId = await startAndWait(gate('    onReject: continue'));
      const answers = [
        { taskId: 'ok', approved: true, by: 'ann', approver: 'human' as const, data: { reason: 'go' } },
        { taskId: 'ok', approved: false, by: 'bob', approver: 'human' as const },
      ];
      const settled = await Promise.allSettled(answers.map((a) => respondToApproval(env.client, runId, a)));
      const won = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      assert.equal(won.length, 1, `round ${round}: ${settled.map((s) => s.status).join(', ')}`);
      assert.equal(lost.length, 1);
      const winner = won[0];
      const loser = lost[0];
      assert.ok(winner && loser instanceof ApprovalAlreadyDecidedError, String(loser));
      assert.deepEqual(loser.decision, { approved: winner.approved, by: winner.by, respondedAt: winner.respondedAt });
      const done = await waitForRun(env.client, runId);
      assertCompleted(done);
      assert.deepEqual(done.outputs, { approved: winner.approved, reason: winner.approved ? 'go' : 'none', by: winner.by });
    }
  });

  it('refuses an answer after the approval was decided by its timeout, naming the timeout', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(
        `id: t3\ntasks:\n  - { id: ok, type: approval, message: hi, timeout: 1s, onTimeout: reject, onReject: continue }\n  - { id: nap, type: sleep, duration: 1h }\n`,
      ),
      taskQueue: env.taskQueue,
    });
    await waitFor('the timeout to decide', async () => {
      const view = await getRunningView(env.client, runId);
      return view.tasks.some((t) => t.id === 'ok' && t.state === 'COMPLETED') ? view : undefined;
    });
    await assert.rejects(
      respondToApproval(env.client, runId, { taskId: 'ok', approved: true, by: 'ann', approver: 'human' }),
      (error: unknown) =>
        error instanceof ApprovalAlreadyDecidedError &&
        error.decision.by === 'timeout' &&
        !error.decision.approved &&
        /already rejected by timeout/.test(error.message),
    );
    await env.client.workflow.getHandle(runId).terminate('test done');
  });

  it('times out: fails by default, or approves with onTimeout: approve', async () => {
    const failing = await startRun(env.client, {
      flow: flowFrom(`id: t1\ntasks:\n  - { id: ok, type: approval, message: hi, timeout: 1s }\n`),
      taskQueue: env.taskQueue,
    });
    const approving = await startRun(env.client, {
      flow: flowFrom(`id: t2\ntasks:\n  - { id: ok, type: approval, message: hi, timeout: 1s, onTimeout: approve }\noutputs: { by: "{{ outputs.ok.by }}" }\n`),
      taskQueue: env.taskQueue,
    });
    const failed = await waitForRun(env.client, failing.runId);
    assert.equal(failed.state, 'FAILED');
    assert.equal(failed.error?.type, 'ApprovalTimedOut');
    const approved = await waitForRun(env.client, approving.runId);
    assertCompleted(approved);
    assert.deepEqual(approved.outputs, { by: 'timeout' });
  });

  it('addresses approvals inside a foreach by task id and iteration; an agent may answer approvers: any', async () => {
    const { runId } = await startRun(env.client, {
      flow: flowFrom(`
id: per-item
tasks:
  - id: each
    type: foreach
    items: ["a", "b", "c"]
    concurrency: 3
    tasks:
      - { id: check, type: approval, message: "item {{ item }}?", approvers: any, onReject: continue }
outputs: { answers: "{{ outputs.each.iterations.map(i, i.check.approved) }}" }
`),
      taskQueue: env.taskQueue,
    });
    const view = await waitFor('three pending approvals', async () => {
      const v = await getRunningView(env.client, runId);
      return v.approvals.length === 3 ? v : undefined;
    });
    assert.deepEqual(view.approvals.map((p) => [p.iteration, p.message]).sort(), [
      [[0], 'item a?'],
      [[1], 'item b?'],
      [[2], 'item c?'],
    ]);
    for (const [i, approved] of [
      [2, true],
      [0, false],
      [1, true],
    ] as const) {
      await respondToApproval(env.client, runId, { taskId: 'check', iteration: [i], approved, by: 'agent-1', approver: 'agent' });
    }
    const done = await waitForRun(env.client, runId);
    assertCompleted(done);
    assert.deepEqual(done.outputs, { answers: [false, true, true] });
    assert.equal(taskOf(done, 'check', [1]).state, 'COMPLETED');
  });
});
