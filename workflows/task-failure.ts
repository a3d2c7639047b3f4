// The interpreter's internal failure: a task failed with a typed error. Converted to an
// ApplicationFailure at the workflow boundary (any other error would stall the workflow task).

import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';
import { ExpressionError, ExpressionTooCostlyError, WeftError } from '../src/core/errors.js';
import type { TaskError } from '../src/core/runs/run-types.js';

export class TaskFailure extends Error {
  constructor(
    readonly taskId: string,
    readonly iteration: number[] | undefined,
    readonly error: TaskError,
  ) {
    super(`task ${taskId} failed: ${error.message}`);
    this.name = 'TaskFailure';
  }
}

/** Extracts the typed error of whatever a task threw: activity failures keep the activity's error type. */
export function toTaskError(error: unknown): TaskError {
  if (error instanceof TaskFailure) return error.error;
  if (error instanceof ExpressionTooCostlyError) return { type: 'ExpressionTooCostly', message: error.message };
  if (error instanceof ExpressionError) return { type: 'ExpressionError', message: error.message };
  if (error instanceof WeftError) return { type: error.name, message: error.message };
  if (error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
    if (cause instanceof TemporalFailure) return { type: cause.name, message: cause.message };
  }
  if (error instanceof ApplicationFailure) return { type: error.type ?? 'Error', message: error.message };
  if (error instanceof Error) return { type: error.name || 'Error', message: error.message };
  return { type: 'Error', message: String(error) };
}
