// A person's approval answered by a tool call: the call alone never answers it. When
// `respond_to_approval` names an approval with `approvers: human` and the client can elicit, the
// user is shown the exact answer (decision, comment, every field value) and only a confirmed
// form records it, as the user's. Without elicitation the call is refused, naming the console and
// the CLI, where a person answers it.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { WeftError } from '../src/core/errors.js';
import { approvalKey, type PendingApproval } from '../src/core/runs/run-types.js';
import { validateApprovalData } from '../src/core/spec/approval-fields.js';
import { ApprovalNotAcceptedError } from '../src/services/run-service.js';
import { canAskForm } from './approval-elicitation.js';

/** Longest answer (comment and field values as JSON) shown for confirmation; a longer one could not be read whole. */
const MAX_SHOWN_ANSWER = 4000;
/** How long the user has to confirm: under the 60 s a client waits for a tool call. */
const CONFIRM_TIMEOUT_MS = 50_000;
/** The form's one field: the user ticks it to say the answer is theirs. */
const CONFIRM_KEY = 'confirm';

/** Thrown when the user did not confirm an answer to a person's approval (declined, cancelled, no answer in time): it still waits. */
export class ApprovalNotConfirmedError extends WeftError {
  constructor(runId: string, approval: PendingApproval, why: string) {
    const key = approvalKey(approval.taskId, approval.iteration, approval.step);
    super('APPROVAL_NOT_CONFIRMED', `the answer to approval ${key} of run ${runId} was not recorded: the user ${why}; the approval still waits`, {
      hint: `ask the user again, or let them answer in the Weft console (/runs/${runId}) or with weft run approve ${runId} ${approval.taskId}`,
    });
  }
}

/** The answer a tool call gives, as the user is asked to confirm it. */
export interface ProposedAnswer {
  approved: boolean;
  comment?: string;
  data?: Record<string, unknown>;
}

/** The refusal a call gets when nobody can be asked: an agent cannot answer a person's approval. */
function personNeededError(runId: string, approval: PendingApproval): ApprovalNotAcceptedError {
  const key = approvalKey(approval.taskId, approval.iteration, approval.step);
  return new ApprovalNotAcceptedError(
    runId,
    `approval ${key} needs a person's answer (approvers: human); an agent cannot answer it, and this client cannot ask its user (no form elicitation)`,
    `a person answers it in the Weft console (/runs/${runId}), with weft run approve ${runId} ${approval.taskId}, or through a client that supports elicitation`,
  );
}

/**
 * Asks the user to confirm `answer` to a person's approval. Resolves when they confirmed;
 * throws ApprovalNotConfirmedError when they did not, ApprovalNotAcceptedError when the client
 * cannot ask or the answer could not be shown whole or does not fit the approval's fields.
 */
export async function confirmPersonAnswer(
  server: McpServer,
  runId: string,
  approval: PendingApproval,
  answer: ProposedAnswer,
  signal: AbortSignal,
): Promise<void> {
  if (!canAskForm(server)) throw personNeededError(runId, approval);
  const key = approvalKey(approval.taskId, approval.iteration, approval.step);
  if (answer.approved && approval.fields) {
    // Asking the user to confirm what the run would refuse anyway wastes their attention.
    const problems = validateApprovalData(approval.fields, answer.data ?? {});
    if (problems.length)
      throw new ApprovalNotAcceptedError(runId, `approval data is invalid: ${problems.map((p) => `data.${p.at.join('.')} ${p.message}`).join('; ')}`);
  }
  const shown = answerLines(answer);
  if (shown.length > MAX_SHOWN_ANSWER) {
    throw new ApprovalNotAcceptedError(
      runId,
      `the answer is ${shown.length} characters long, more than the ${MAX_SHOWN_ANSWER} a confirmation form shows whole`,
      `shorten the comment or field values, or answer approval ${key} in the Weft console or with weft run approve`,
    );
  }
  const message = [
    `Run ${runId} asks for approval (${key}): ${approval.message}`,
    'A tool call asks to record this answer as yours:',
    shown,
    'Tick the box and accept to record it; decline to leave the approval waiting.',
  ].join('\n');
  let result: { action: string; content?: Record<string, unknown> };
  try {
    result = await server.server.request(
      {
        method: 'elicitation/create',
        params: {
          mode: 'form',
          message,
          requestedSchema: {
            type: 'object',
            properties: { [CONFIRM_KEY]: { type: 'boolean', title: 'This answer is mine: record it', default: false } },
            required: [CONFIRM_KEY],
          },
        },
      },
      ElicitResultSchema,
      { timeout: CONFIRM_TIMEOUT_MS, signal },
    );
  } catch {
    throw new ApprovalNotConfirmedError(runId, approval, 'did not answer the confirmation in time');
  }
  if (result.action !== 'accept')
    throw new ApprovalNotConfirmedError(runId, approval, `${result.action === 'decline' ? 'declined' : 'cancelled'} the confirmation`);
  if (result.content?.[CONFIRM_KEY] !== true) throw new ApprovalNotConfirmedError(runId, approval, 'accepted the form without ticking the box');
}

/** The answer as the user reads it: one line each for the decision, the comment and every field value, values as JSON. */
function answerLines(answer: ProposedAnswer): string {
  const lines = [`  decision: ${answer.approved ? 'approve' : 'reject'}`];
  if (answer.comment) lines.push(`  comment: ${JSON.stringify(answer.comment)}`);
  for (const [name, value] of Object.entries(answer.data ?? {})) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  return lines.join('\n');
}
