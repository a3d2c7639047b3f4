// Approvals answered by the user through MCP elicitation: when a run the assistant waits on
// reaches an approval and the client can elicit, the user sees the approval's message and a
// flat form (approve, comment, and the task's `fields`), and the answer goes to the run as a
// person's answer. If the user declines, cancels or does not answer in time, the approval
// stays pending: silence never approves anything. An answer that does not fit the form is
// refused with the reason (asked again once), never sent in part.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { PendingApproval } from '../src/core/runs/run-types.js';
import { validateApprovalData } from '../src/core/spec/approval-fields.js';
import { ApprovalAlreadyDecidedError, ApprovalNotAcceptedError, RunAlreadyEndedError, type RunService } from '../src/services/run-service.js';

type PrimitiveSchema = Record<string, unknown> & { type: string };

/** Who an answer given through elicitation is recorded as: a person, the client's user. */
export const ELICITED_BY = 'user (via MCP elicitation)';

/** The elicitation form for an approval; `decision` is the key of the approve checkbox. */
export function approvalForm(approval: PendingApproval): {
  schema: { type: 'object'; properties: Record<string, PrimitiveSchema>; required: string[] };
  decision: string;
} {
  const fields = (approval.fields ?? {}) as { properties?: Record<string, PrimitiveSchema>; required?: string[] };
  const own = fields.properties ?? {};
  const decision = 'approved' in own ? 'weft_approved' : 'approved';
  const comment = 'comment' in own ? 'weft_comment' : 'comment';
  return {
    decision,
    schema: {
      type: 'object',
      properties: {
        [decision]: { type: 'boolean', title: 'Approve', description: 'Check to approve, leave unchecked to reject' },
        [comment]: { type: 'string', title: 'Comment', description: 'Optional note kept with the answer' },
        ...own,
      },
      required: [decision, ...(fields.required ?? [])],
    },
  };
}

/** What came of offering an approval through elicitation. */
export interface ElicitationOutcome {
  /** The user's answer reached the run (or lost to an answer given meanwhile, or to the run ending). */
  answered: boolean;
  /** Why the user's last answer was refused (it did not fit the form); the approval stays pending. */
  refused?: string;
}

/** Asks again once after an answer that does not fit: a slip is worth a second try, a loop is not. */
const MAX_ASKS = 2;
const MIN_ASK_MS = 1000;

/**
 * Asks the user through elicitation and answers the approval when they respond. An answer that
 * does not fit the form (a key it did not ask for, a value out of range) is never sent in part:
 * the user is asked again once with the reason, then the approval stays pending and the reason
 * is returned for the caller to report.
 */
export async function elicitApproval(
  server: McpServer,
  runs: RunService,
  runId: string,
  approval: PendingApproval,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ElicitationOutcome> {
  if (!canAskForm(server) || timeoutMs < MIN_ASK_MS) return { answered: false };
  const form = approvalForm(approval);
  const question = `Run ${runId} asks for approval (${approval.taskId}): ${approval.message}`;
  const deadline = Date.now() + timeoutMs;
  let refused: string | undefined;
  for (let ask = 0; ask < MAX_ASKS && deadline - Date.now() >= MIN_ASK_MS; ask++) {
    const message = refused ? `Your answer was not taken: ${refused}. ${question}` : question;
    const content = await askForm(server, message, form.schema, deadline - Date.now(), signal);
    if (!content) break;
    refused = answerProblem(form, content);
    if (refused) continue;
    refused = await sendAnswer(server, runs, runId, approval, form, content);
    if (!refused) return { answered: true };
  }
  return refused ? { answered: false, refused } : { answered: false };
}

/** Form elicitation is declared as `form`, or by an empty `elicitation` (clients older than URL mode). */
export function canAskForm(server: McpServer): boolean {
  const elicitation = server.server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  return elicitation !== undefined && (elicitation.form !== undefined || Object.keys(elicitation).length === 0);
}

/** The user's answer, or nothing when they declined, cancelled or did not answer in time. */
async function askForm(
  server: McpServer,
  message: string,
  schema: ReturnType<typeof approvalForm>['schema'],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  try {
    // The raw request, not elicitInput: its schema check throws away an answer that does not
    // fit without saying which field, and Weft's own check below names the field and what is valid.
    const result = await server.server.request(
      { method: 'elicitation/create', params: { mode: 'form', message, requestedSchema: schema as never } },
      ElicitResultSchema,
      {
        timeout: timeoutMs,
        signal,
      },
    );
    return result.action === 'accept' && result.content ? (result.content as Record<string, unknown>) : undefined;
  } catch {
    // No answer in time, or the client could not show the form: the approval stays pending.
    return undefined;
  }
}

/** Why an answer does not fit the form, or undefined. A rejection need not fill the required fields. */
export function answerProblem(form: ReturnType<typeof approvalForm>, content: Record<string, unknown>): string | undefined {
  const approved = content[form.decision] === true;
  const schema = approved ? form.schema : { ...form.schema, required: [form.decision] };
  const problems = validateApprovalData(schema, content);
  if (!problems.length) return undefined;
  return `answer ${problems.map((p) => `${p.at.join('.')} ${p.message}`).join('; ')}`;
}

/** Sends the answer to the run; returns why the run refused it, if it did. */
async function sendAnswer(
  server: McpServer,
  runs: RunService,
  runId: string,
  approval: PendingApproval,
  form: ReturnType<typeof approvalForm>,
  content: Record<string, unknown>,
): Promise<string | undefined> {
  const commentKey = 'weft_comment' in form.schema.properties ? 'weft_comment' : 'comment';
  const { [form.decision]: approved, [commentKey]: comment, ...data } = content;
  try {
    await runs.respondToApproval(runId, {
      taskId: approval.taskId,
      ...(approval.iteration ? { iteration: approval.iteration } : {}),
      ...(approval.step !== undefined ? { step: approval.step } : {}),
      approved: approved === true,
      by: ELICITED_BY,
      approver: 'human',
      ...(typeof comment === 'string' && comment ? { comment } : {}),
      data,
    });
  } catch (error) {
    // The run checks answers too (a pattern, a rule the form cannot show): its reason goes
    // back to the user like ours, and the run is left waiting rather than the call failing.
    if (error instanceof ApprovalNotAcceptedError) return error.message;
    if (!(error instanceof ApprovalAlreadyDecidedError) && !(error instanceof RunAlreadyEndedError)) throw error;
    // Someone answered while the form was open (the run keeps that answer and goes on), or the
    // run ended meanwhile (nothing waits any more): asking again would not help. The client is
    // told the form's answer was not taken, and why.
    const decision = error instanceof ApprovalAlreadyDecidedError ? { decision: error.decision } : {};
    await server.server
      .sendLoggingMessage({
        level: 'warning',
        logger: 'weft',
        data: { code: error.code, message: error.message, runId, taskId: approval.taskId, ...decision },
      })
      .catch(() => undefined);
  }
  return undefined;
}
