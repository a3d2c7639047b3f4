// The approval task: waits durably for an answer that arrives as a Temporal Update, addressed
// by task id and iteration, validated before it is accepted into history.

import { ApplicationFailure, condition } from '@temporalio/workflow';
import { renderText } from '../src/core/expressions/evaluate.js';
import { approvalConfigDigest } from '../src/core/runs/restart-digest.js';
import {
  APPROVAL_ALREADY_DECIDED,
  type ApprovalDecision,
  type ApprovalOutput,
  type ApprovalResponse,
  approvalKey,
  type PendingApproval,
  type TaskRunRecord,
  taskRunKey,
} from '../src/core/runs/run-types.js';
import { validateApprovalData } from '../src/core/spec/approval-fields.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { ApprovalTask } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { TaskFailure } from './task-failure.js';

/** Largest `data` an approval answer may carry, in bytes of JSON. */
const MAX_APPROVAL_DATA_BYTES = 64 * 1024;

export async function runApproval(ctx: RunContext, task: ApprovalTask, frame: Frame, record: TaskRunRecord): Promise<ApprovalOutput> {
  const key = taskRunKey(task.id, frame.iteration);
  const timeoutMs = task.timeout ? parseDuration(task.timeout) : undefined;
  const now = Date.now();
  const pending: PendingApproval = {
    taskId: task.id,
    message: renderText(task.message, frame.scope(), `${task.id}.message`),
    approvers: task.approvers ?? 'human',
    requestedAt: new Date(now).toISOString(),
    ...(frame.iteration ? { iteration: frame.iteration } : {}),
    ...(task.fields ? { fields: task.fields } : {}),
    ...(timeoutMs !== undefined ? { expiresAt: new Date(now + timeoutMs).toISOString() } : {}),
  };
  // What the approval asks, so a restart asks again only when that changed (restart-seed.ts).
  record.digest = approvalConfigDigest({ message: pending.message, approvers: pending.approvers, fields: task.fields, onReject: task.onReject });
  const reused = ctx.restart?.match(key, () => record.digest as string);
  if (reused) return reused.output as ApprovalOutput;
  const answered = await awaitAnswer(ctx, key, pending, record, `waiting for approval (${pending.approvers})`, timeoutMs);
  const answer = answered ? ctx.approvalAnswers.get(key) : timeoutAnswer(task);
  // A decision by timeout is a decision: a late answer is told so rather than "nothing waiting".
  if (answer && !answered) ctx.approvalAnswers.set(key, answer);
  ctx.events.record(task.id, frame.iteration, record.attempts, 'answered', 'info', answerMessage(answer, task.timeout));
  if (!answer) throw new TaskFailure(task.id, frame.iteration, { type: 'ApprovalTimedOut', message: `no answer to approval ${key} within ${task.timeout}` });
  if (!answer.approved && (task.onReject ?? 'fail') === 'fail') {
    throw new TaskFailure(task.id, frame.iteration, {
      type: 'ApprovalRejected',
      message: `approval ${key} was rejected by ${answer.by}${answer.comment ? `: ${answer.comment}` : ''}`,
    });
  }
  return answer;
}

/**
 * Shows `pending` (get_run, the WAITING search attribute, the task WAITING, a line in the logs
 * at once) and waits for its answer; false when `timeoutMs` passed first. Approval tasks and an
 * agent's gated tool calls wait alike.
 */
export async function awaitAnswer(
  ctx: RunContext,
  key: string,
  pending: PendingApproval,
  record: TaskRunRecord,
  waitingLine: string,
  timeoutMs?: number,
): Promise<boolean> {
  ctx.book.approvals.set(key, pending);
  ctx.updateWaiting();
  ctx.book.set(record, 'WAITING');
  ctx.events.record(pending.taskId, pending.iteration, record.attempts, 'waiting', 'info', waitingLine);
  try {
    // A follower sees the wait while it lasts, not when it ends.
    ctx.events.writeNow();
    const hasAnswer = () => ctx.approvalAnswers.has(key);
    if (timeoutMs === undefined) {
      await condition(hasAnswer);
      return true;
    }
    return await condition(hasAnswer, timeoutMs);
  } finally {
    ctx.book.approvals.delete(key);
    ctx.updateWaiting();
    ctx.book.set(record, 'RUNNING');
  }
}

function answerMessage(answer: ApprovalOutput | undefined, timeout: string | undefined): string {
  if (!answer) return `no answer within ${timeout}`;
  return `${answer.approved ? 'approved' : 'rejected'} by ${answer.by}`;
}

function timeoutAnswer(task: ApprovalTask): ApprovalOutput | undefined {
  const onTimeout = task.onTimeout ?? 'fail';
  if (onTimeout === 'fail') return undefined;
  return { approved: onTimeout === 'approve', by: 'timeout', comment: null, data: {}, respondedAt: new Date().toISOString() };
}

/**
 * Update validator: rejects an answer to an approval already decided (with that decision, so
 * the caller can say who decided), nobody is waiting for, from the wrong kind of approver, or
 * with bad data. A validator adds nothing to history, so a refused answer leaves no trace there.
 */
export function checkApprovalResponse(ctx: RunContext, response: ApprovalResponse): void {
  const key = approvalKey(response.taskId, response.iteration, response.step);
  const decided = ctx.approvalAnswers.get(key);
  if (decided) {
    const decision: ApprovalDecision = { approved: decided.approved, by: decided.by, respondedAt: decided.respondedAt };
    throw ApplicationFailure.create({
      type: APPROVAL_ALREADY_DECIDED,
      message: `approval ${key} was already ${decided.approved ? 'approved' : 'rejected'} by ${decided.by} at ${decided.respondedAt}`,
      details: [decision],
      nonRetryable: true,
    });
  }
  const pending = ctx.book.approvals.get(key);
  if (!pending) {
    const waiting = [...ctx.book.approvals.keys()];
    throw new Error(`no approval is waiting at ${key}; waiting: ${waiting.length ? waiting.join(', ') : 'none'}`);
  }
  if (pending.approvers === 'human' && response.approver !== 'human') {
    throw new Error(`approval ${key} needs a person's answer (approvers: human); an agent cannot answer it`);
  }
  if (typeof response.approved !== 'boolean' || typeof response.by !== 'string' || response.by.length === 0 || response.by.length > 256) {
    throw new Error('an approval answer needs approved (true or false) and by (1 to 256 characters)');
  }
  if (response.comment !== undefined && (typeof response.comment !== 'string' || response.comment.length > 10_000)) {
    throw new Error('comment must be text of at most 10000 characters');
  }
  if (response.data !== undefined && JSON.stringify(response.data).length > MAX_APPROVAL_DATA_BYTES) {
    throw new Error(`approval data is larger than ${MAX_APPROVAL_DATA_BYTES} bytes of JSON`);
  }
  if (pending.fields && response.approved) {
    const problems = validateApprovalData(pending.fields, response.data ?? {});
    if (problems.length) throw new Error(`approval data is invalid: ${problems.map((p) => `data.${p.at.join('.')} ${p.message}`).join('; ')}`);
  }
}

/** Update handler: records the (validated) answer; the waiting task resumes on it. */
export function recordApprovalResponse(ctx: RunContext, response: ApprovalResponse): ApprovalOutput {
  const answer: ApprovalOutput = {
    approved: response.approved,
    by: response.by,
    comment: response.comment ?? null,
    data: response.data ?? {},
    respondedAt: new Date().toISOString(),
  };
  ctx.approvalAnswers.set(approvalKey(response.taskId, response.iteration, response.step), answer);
  return answer;
}
