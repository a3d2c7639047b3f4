// Per-type runtime defaults: the per-attempt timeout and the error types never retried.
// Plain data with no dependencies, so the workflow bundle can read it without pulling in zod.

export interface TaskDefaults {
  /** Default per-attempt timeout, for task types that do I/O. */
  defaultTimeout?: string;
  /** Error types never retried by default, added to `retry.nonRetryable`. */
  nonRetryable?: readonly string[];
}

export const TASK_DEFAULTS: Readonly<Record<string, TaskDefaults>> = {
  http: { defaultTimeout: '30s', nonRetryable: ['HttpInvalidRequestError'] },
  script: { defaultTimeout: '10m', nonRetryable: ['ScriptSetupError'] },
  llm: { defaultTimeout: '5m', nonRetryable: ['LlmBadRequestError', 'LlmAuthenticationError', 'LlmProviderNotConfiguredError'] },
  approval: { nonRetryable: ['ApprovalRejected', 'ApprovalTimedOut'] },
};

export function taskDefaults(type: string): TaskDefaults {
  return TASK_DEFAULTS[type] ?? {};
}
