// Why a run refused an answer to one of its approvals: each a WeftError with a stable code, a
// message naming the run and the approval, and a hint saying where to look next.

import { WeftError } from '../../core/errors.js';
import type { ApprovalDecision, RunState } from '../../core/runs/run-types.js';

/**
 * Thrown when a run refuses an approval answer (nothing waiting, wrong approver, invalid data),
 * or an adapter refuses it for the run (a person's approval and no person to ask).
 */
export class ApprovalNotAcceptedError extends WeftError {
  constructor(
    readonly runId: string,
    reason: string,
    hint = 'check the pending approvals of the run (taskId, iteration, fields)',
  ) {
    super('APPROVAL_NOT_ACCEPTED', `run ${runId} did not accept the answer: ${reason}`, { hint });
  }
}

/** Thrown when an approval already has a decision: the run keeps the first answer. */
export class ApprovalAlreadyDecidedError extends WeftError {
  readonly decision: ApprovalDecision;

  constructor(
    readonly runId: string,
    readonly approval: string,
    decision: ApprovalDecision,
  ) {
    const verb = decision.approved ? 'approved' : 'rejected';
    super('APPROVAL_ALREADY_DECIDED', `approval ${approval} of run ${runId} was already ${verb} by ${decision.by} at ${decision.respondedAt}`, {
      hint: `the run keeps the first answer; see get_run (or weft run get ${runId}) for where it is now`,
    });
    this.decision = { approved: decision.approved, by: decision.by, respondedAt: decision.respondedAt };
  }
}

/**
 * Thrown when the run has already ended (completed, failed, cancelled, terminated, timed out):
 * nothing in it waits for an answer any more, so the answer is refused rather than lost.
 */
export class RunAlreadyEndedError extends WeftError {
  constructor(
    readonly runId: string,
    readonly state: RunState,
    readonly approval: string,
  ) {
    super('RUN_ALREADY_ENDED', `run ${runId} already ended ${state}: approval ${approval} can no longer be answered`, {
      hint: `see get_run (or weft run get ${runId}) for how it ended; restart_run (weft run restart ${runId}) runs it again`,
    });
  }
}
