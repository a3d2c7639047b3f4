// The one place that maps Temporal's execution status (and Weft's failure types) to RunState.

import { RUN_FAILURE_TYPES, type RunState } from './run-types.js';

/** Temporal workflow execution status names, as the client reports them. */
export type ExecutionStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'UNKNOWN'
  | 'UNSPECIFIED'
  | 'PAUSED';

export function runStateOf(status: ExecutionStatusName, failureType?: string, waiting = false): RunState {
  switch (status) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
    case 'PAUSED':
      return waiting ? 'WAITING' : 'RUNNING';
    case 'COMPLETED':
      return 'COMPLETED';
    case 'FAILED':
      return failureType === RUN_FAILURE_TYPES.timedOut ? 'TIMED_OUT' : 'FAILED';
    case 'CANCELLED':
      return 'CANCELLED';
    case 'TERMINATED':
      return 'TERMINATED';
    case 'TIMED_OUT':
      return 'TIMED_OUT';
    default:
      return 'RUNNING';
  }
}
