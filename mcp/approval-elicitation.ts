// Approvals answered by the user through MCP elicitation: when a run the assistant waits on
// reaches an approval and the client can elicit, the user sees the approval's message and a
// flat form (approve, comment, and the task's `fields`), and the answer goes to the run as a
// person's answer. If the user declines, cancels or does not answer in time, the approval
// stays pending: silence never approves anything.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ApprovalAlreadyDecidedError } from '../src/runs/run-client.js';
import type { PendingApproval } from '../src/runs/run-types.js';
import type { RunService } from '../src/services/run-service.js';

type PrimitiveSchema = Record<string, unknown> & { type: string };

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

/** Asks the user through elicitation; answers the approval when they respond. Returns whether it was answered. */
export async function elicitApproval(
  server: McpServer,
  runs: RunService,
  runId: string,
  approval: PendingApproval,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (!server.server.getClientCapabilities()?.elicitation || timeoutMs < 1000) return false;
  const { schema, decision } = approvalForm(approval);
  const commentKey = 'weft_comment' in schema.properties ? 'weft_comment' : 'comment';
  let result: Awaited<ReturnType<typeof server.server.elicitInput>>;
  try {
    result = await server.server.elicitInput(
      { mode: 'form', message: `Run ${runId} asks for approval (${approval.taskId}): ${approval.message}`, requestedSchema: schema as never },
      { timeout: timeoutMs, signal },
    );
  } catch {
    // No answer in time, or the client could not show the form: the approval stays pending.
    return false;
  }
  if (result.action !== 'accept' || !result.content) return false;
  const { [decision]: approved, [commentKey]: comment, ...data } = result.content as Record<string, unknown>;
  try {
    await runs.respondToApproval(runId, {
      taskId: approval.taskId,
      ...(approval.iteration ? { iteration: approval.iteration } : {}),
      approved: approved === true,
      by: 'user (via MCP elicitation)',
      approver: 'human',
      ...(typeof comment === 'string' && comment ? { comment } : {}),
      data,
    });
  } catch (error) {
    if (!(error instanceof ApprovalAlreadyDecidedError)) throw error;
    // Someone answered while the form was open: the run keeps that answer and goes on. The
    // client is told the form's answer was not taken, with the decision it lost to.
    await server.server
      .sendLoggingMessage({
        level: 'warning',
        logger: 'weft',
        data: { code: error.code, message: error.message, runId, taskId: approval.taskId, decision: error.decision },
      })
      .catch(() => undefined);
  }
  return true;
}
