// Errors of model calls, one class per retry decision. `type` is what a flow's
// `retry.nonRetryable` names and what the engine's retry decision goes by; `retryAfterMs`
// carries a provider's retry-after so the next attempt waits at least that long.

import { type FlowErrorType, WeftError } from '../../core/errors.js';

export const LLM_ERROR_TYPES = {
  rateLimit: 'LlmRateLimitError',
  server: 'LlmServerError',
  timeout: 'LlmTimeoutError',
  connection: 'LlmConnectionError',
  badRequest: 'LlmBadRequestError',
  authentication: 'LlmAuthenticationError',
  invalidOutput: 'LlmInvalidOutputError',
  notConfigured: 'LlmProviderNotConfiguredError',
} as const satisfies Record<string, FlowErrorType>;
export type LlmErrorType = (typeof LLM_ERROR_TYPES)[keyof typeof LLM_ERROR_TYPES];

export class LlmError extends WeftError {
  constructor(
    readonly type: LlmErrorType,
    message: string,
    options: { hint?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(type, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

export class LlmRateLimitError extends LlmError {
  constructor(provider: string, retryAfterMs: number | undefined, cause?: unknown) {
    super(LLM_ERROR_TYPES.rateLimit, `${provider} rate limit reached${retryAfterMs ? `; retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}`, {
      retryAfterMs,
      cause,
      hint: 'add retry: { maxAttempts: 3 } to the task, or lower the provider concurrency',
    });
  }
}

export class LlmBadRequestError extends LlmError {
  constructor(provider: string, detail: string, cause?: unknown) {
    super(LLM_ERROR_TYPES.badRequest, `${provider} rejected the request: ${detail}`, { cause, hint: 'check model, maxTokens, messages and responseSchema' });
  }
}

export class LlmAuthenticationError extends LlmError {
  constructor(provider: string, keyName: string, cause?: unknown) {
    super(LLM_ERROR_TYPES.authentication, `${provider} refused the API key`, { cause, hint: `set a valid key: weft secret set ${keyName}` });
  }
}

/** No key for a provider's hosted API: said before any call, rather than as the SDK's bare connection or auth failure. */
export class LlmApiKeyMissingError extends LlmError {
  constructor(provider: string, keyName: string) {
    super(LLM_ERROR_TYPES.authentication, `llm provider "${provider}" has no API key: ${keyName} is neither a Weft secret nor an environment variable`, {
      hint: `run weft secret set ${keyName}, or export ${keyName} where the worker runs; a local server needs a baseUrl instead`,
    });
  }
}

export class LlmInvalidOutputError extends LlmError {
  constructor(detail: string) {
    super(LLM_ERROR_TYPES.invalidOutput, `model output does not match responseSchema: ${detail}`, {
      hint: 'simplify the responseSchema or make the prompt say what to return',
    });
  }
}

export class LlmProviderNotConfiguredError extends LlmError {
  constructor(provider: string, known: readonly string[]) {
    super(LLM_ERROR_TYPES.notConfigured, `llm provider "${provider}" is not configured`, {
      hint: `use one of ${known.join(', ')}, or add it to WEFT_LLM_PROVIDERS`,
    });
  }
}
