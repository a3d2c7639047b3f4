// Why a run cannot be restarted (flow-spec.md, Restart): each a WeftError with a stable code,
// a one-line message naming the run or task, and a hint saying what would work.

import { WeftError } from '../../core/errors.js';

/** Thrown when the run to restart is not in Temporal: never started, or past the namespace's retention. */
export class RestartRunNotFoundError extends WeftError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `run ${runId} does not exist: it was never started or Temporal no longer retains it`, {
      hint: 'a run can be restarted while the Temporal namespace retains it; start the flow again instead',
    });
  }
}

/** Thrown when the run to restart has not ended (running or waiting for an approval). */
export class RunStillGoingError extends WeftError {
  constructor(
    readonly runId: string,
    state: string,
  ) {
    super('RUN_STILL_GOING', `run ${runId} is still ${state}: only a run that ended can be restarted`, {
      hint: `wait for it to end, or cancel it first (weft run cancel ${runId})`,
    });
  }
}

/** Thrown when the run is not a flow document's (a code flow or an existing workflow type). */
export class RestartNotSupportedError extends WeftError {
  constructor(runId: string, kind: string) {
    super('RESTART_NOT_SUPPORTED', `run ${runId} runs a ${kind === 'code' ? 'code flow' : 'workflow type'}: only runs of flow documents can be restarted`, {
      hint: 'start the flow again instead',
    });
  }
}

/** Thrown when no restart point was named and the run has no failed task to restart from. */
export class RestartPointRequiredError extends WeftError {
  constructor(runId: string, state: string, tasks: readonly string[]) {
    super('RESTART_POINT_REQUIRED', `run ${runId} ended ${state} without a failed task: fromTask must name the task to restart from`, {
      hint: `pass --from (fromTask) with one of: ${tasks.slice(0, 12).join(', ')}${tasks.length > 12 ? ', ...' : ''}`,
    });
  }
}

/** Thrown when the restart point names a task the flow (at the revision that runs) does not have. */
export class UnknownRestartTaskError extends WeftError {
  constructor(taskId: string, flow: string, guess: string | undefined, tasks: readonly string[]) {
    super('UNKNOWN_TASK', `fromTask "${taskId}" is not a task of ${flow}`, {
      hint: `${guess ? `did you mean "${guess}"? ` : ''}tasks: ${tasks.slice(0, 12).join(', ')}${tasks.length > 12 ? ', ...' : ''}`,
    });
  }
}

/** Thrown when the restart point is inside a branch of an `if` or `switch` the run did not take. */
export class RestartBranchNotRunError extends WeftError {
  constructor(runId: string, taskId: string, branchTask: string) {
    super('RESTART_BRANCH_NOT_RUN', `fromTask "${taskId}" is in a branch of "${branchTask}" that run ${runId} did not take`, {
      hint: `restart from "${branchTask}" or from a task that ran (weft run get ${runId})`,
    });
  }
}
