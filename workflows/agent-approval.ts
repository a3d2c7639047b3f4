// A person's approval of one `agent` tool call, through the approval machinery of approval.ts:
// the same pending list, update validator and handler, addressed by task id, iteration and step.

import type { AgentToolCall } from '../src/core/runs/agent-io.js';
import { type ApprovalOutput, approvalKey, type PendingApproval, type TaskRunRecord } from '../src/core/runs/run-types.js';
import { awaitAnswer } from './approval.js';
import type { RunContext } from './run-context.js';

/** Most characters of the arguments shown in the approval's message. */
const MAX_ARGUMENTS_SHOWN = 2000;

/** Waits, without a timeout, for a person to approve or refuse tool call `step` of the task. */
export async function approveToolCall(
  ctx: RunContext,
  taskId: string,
  iteration: number[] | undefined,
  step: number,
  call: AgentToolCall,
  record: TaskRunRecord,
): Promise<ApprovalOutput> {
  const key = approvalKey(taskId, iteration, step);
  // A retried attempt numbers its steps from 1 again: it asks again rather than reuse an old answer.
  ctx.approvalAnswers.delete(key);
  const pending: PendingApproval = {
    taskId,
    ...(iteration ? { iteration } : {}),
    step,
    message: `agent ${taskId} asks to call ${call.name} with ${JSON.stringify(call.arguments).slice(0, MAX_ARGUMENTS_SHOWN)}`,
    // The spec's rule for agent tools: a person decides, never another agent's tool call.
    approvers: 'human',
    requestedAt: new Date().toISOString(),
  };
  await awaitAnswer(ctx, key, pending, record, `waiting for approval of step ${step} (${call.name})`);
  const answer = ctx.approvalAnswers.get(key) as ApprovalOutput;
  ctx.events.record(taskId, iteration, record.attempts, 'answered', 'info', `step ${step} ${answer.approved ? 'approved' : 'refused'} by ${answer.by}`);
  return answer;
}
