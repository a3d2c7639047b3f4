// Turns what an SDK threw into Weft's typed model errors, by HTTP status and error class
// (never by message text): 429 is a rate limit with its retry-after, 401/403 an authentication
// problem, other 4xx a bad request, 5xx/408/409 a server error, timeouts and connection
// failures their own types. A cancelled call stays a cancellation.

import { LLM_ERROR_TYPES, LlmAuthenticationError, LlmBadRequestError, LlmError, LlmRateLimitError } from './llm-errors.js';

interface ApiErrorLike {
  name?: string;
  status?: number;
  headers?: Headers | Record<string, string>;
  message?: string;
}

export function toLlmError(provider: string, keyName: string, error: unknown): unknown {
  if (error instanceof LlmError) return error;
  const e = (error ?? {}) as ApiErrorLike;
  const kinds = errorClassNames(error);
  if (kinds.has('APIUserAbortError') || kinds.has('AbortError')) return error;
  if (kinds.has('APIConnectionTimeoutError')) return new LlmError(LLM_ERROR_TYPES.timeout, `${provider} did not answer in time`, { cause: error });
  if (kinds.has('APIConnectionError')) return new LlmError(LLM_ERROR_TYPES.connection, `cannot reach ${provider}: ${firstLine(e.message)}`, { cause: error });
  const status = e.status;
  if (status === undefined) return error;
  if (status === 429) return new LlmRateLimitError(provider, retryAfterMs(e.headers), error);
  if (status === 401 || status === 403) return new LlmAuthenticationError(provider, keyName, error);
  if (status === 408 || status === 409 || status >= 500) {
    return new LlmError(LLM_ERROR_TYPES.server, `${provider} failed with HTTP ${status}: ${firstLine(e.message)}`, {
      cause: error,
      retryAfterMs: retryAfterMs(e.headers),
    });
  }
  return new LlmBadRequestError(provider, `HTTP ${status}: ${firstLine(e.message)}`, error);
}

function header(headers: ApiErrorLike['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: ApiErrorLike['headers']): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = header(headers, 'retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * The error's `name` and the names of its classes. The SDKs load lazily (no `instanceof` against
 * their classes here), and some of their errors keep the `name` "Error" (openai's timeout does).
 */
function errorClassNames(error: unknown): Set<string> {
  const names = new Set<string>();
  if (!error || typeof error !== 'object') return names;
  const own = (error as { name?: unknown }).name;
  if (typeof own === 'string') names.add(own);
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name) names.add(name);
  }
  return names;
}
