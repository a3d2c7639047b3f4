// How the JSON API answers errors: `{ error: { code, message, hint?, problems? } }` with the
// HTTP contract's status per error code. The body is the MCP tools' error data, so both
// surfaces say the same thing about the same failure.

import { z } from 'zod';
import { WeftError } from '../../../core/errors.js';

/** The error body of every refused or failed request (also its OpenAPI schema). */
export const ApiErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable error code, e.g. FLOW_INVALID'),
    message: z.string(),
    hint: z.string().optional(),
    problems: z.array(z.object({ path: z.string(), message: z.string(), hint: z.string().optional() })).optional(),
    problemsTotal: z.number().optional().describe('How many problems there were, when more are found than listed'),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/**
 * The status of each error code a route can end with; any other code is 500. 400: the request
 * is malformed; 403: the caller's scope, namespace or script rights; 409: the state forbids it;
 * 422: the flow or the run's inputs are invalid; 503: Temporal or the store cannot be reached.
 */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  MALFORMED_REQUEST: 400,
  INVALID_ARGUMENTS: 400,
  INVALID_CURSOR: 400,
  TRIGGER_ACTION_INVALID: 400,
  INVALID_LIMIT: 400,
  RESTART_POINT_REQUIRED: 400,
  UNKNOWN_TASK: 400,
  INVALID_FILE: 400,
  API_KEY_INVALID: 401,
  ACCESS_DENIED: 403,
  NAMESPACE_NOT_ALLOWED: 403,
  SCRIPTS_NOT_ALLOWED: 403,
  SUBFLOW_NOT_ALLOWED: 403,
  TOOL_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  HOST_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  FLOW_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  TRIGGER_NOT_FOUND: 404,
  TASK_TYPE_UNKNOWN: 404,
  OUTPUT_NOT_FOUND: 404,
  LIMIT_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_CONFLICT: 409,
  APPROVAL_NOT_ACCEPTED: 409,
  TRIGGER_DISABLED: 409,
  RUN_STILL_GOING: 409,
  RUN_ALREADY_ENDED: 409,
  RESTART_BRANCH_NOT_RUN: 409,
  FILE_PATH_CONFLICT: 409,
  NAMESPACE_FILES_FULL: 409,
  BODY_TOO_LARGE: 413,
  FILE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FLOW_INVALID: 422,
  FLOW_KIND_UNSUPPORTED: 422,
  FLOW_MISMATCH: 422,
  RESTART_NOT_SUPPORTED: 422,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  TEMPORAL_UNREACHABLE: 503,
  TRIGGERS_UNAVAILABLE: 503,
  LIMITS_UNAVAILABLE: 503,
  FILES_UNAVAILABLE: 503,
};

/** Seconds a client should wait before retrying a 503 (or 429). */
export const RETRY_AFTER_SECONDS = 5;

/** A refusal made by the API layer itself (not by a tool), with its code and status. */
export class ApiRequestError extends WeftError {
  constructor(
    code: keyof typeof STATUS_OF_CODE,
    message: string,
    options: { hint?: string; problems?: Array<{ path: string; message: string; hint?: string }> } = {},
  ) {
    super(code, message, options.hint === undefined ? {} : { hint: options.hint });
    if (options.problems) this.problems = options.problems;
  }

  problems?: Array<{ path: string; message: string; hint?: string }>;
}

/** The status of an error: by its code, 500 for anything unexpected. */
export function statusOf(error: unknown): number {
  return error instanceof WeftError ? (STATUS_OF_CODE[error.code] ?? 500) : 500;
}
