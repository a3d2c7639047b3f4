// Task errors raised by activities. Each is non-retryable *for Temporal*: the workflow applies
// the flow's own retry policy, so only infrastructure failures are retried by Temporal.

import { ApplicationFailure } from '@temporalio/activity';
import type { FlowErrorType } from '../src/core/errors.js';
import type { Redactor } from '../src/services/secrets/redactor.js';

/** Error types raised by I/O tasks; `retry.nonRetryable` names them. */
export const TASK_ERROR_TYPES = {
  httpClient: 'HttpClientError',
  httpServer: 'HttpServerError',
  httpTimeout: 'HttpTimeoutError',
  httpNetwork: 'HttpNetworkError',
  httpInvalid: 'HttpInvalidRequestError',
  scriptExit: 'ScriptExitError',
  scriptTimeout: 'ScriptTimeoutError',
  scriptSetup: 'ScriptSetupError',
  scriptMemory: 'ScriptMemoryExceeded',
  scriptCpuTime: 'ScriptCpuTimeExceeded',
  scriptDependency: 'ScriptDependencyError',
  secretNotFound: 'SecretNotFound',
  outputTooLarge: 'OutputTooLarge',
} as const satisfies Record<string, FlowErrorType>;

/** A task error with a redacted message; `details` must already be redacted. */
export function taskError(type: string, message: string, redactor: Redactor, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message: redactor.text(message), nonRetryable: true, ...(details === undefined ? {} : { details: [details] }) });
}
