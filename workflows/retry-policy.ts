// Task-level retry: counts task errors only. Infrastructure loss (a dead worker, a restarted
// server) is retried by Temporal's activity retry below this level and never consumes an attempt.

import { parseDuration } from '../src/core/spec/duration.js';
import type { RetryPolicy } from '../src/core/spec/flow-spec.js';

export interface ResolvedRetry {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
  nonRetryable: Set<string>;
}

/** Task retry over flow retry over defaults; the type's non-retryable errors are always added. */
export function resolveRetry(flow: RetryPolicy | undefined, task: RetryPolicy | undefined, typeNonRetryable: readonly string[] = []): ResolvedRetry {
  const pick = <K extends keyof RetryPolicy>(key: K): RetryPolicy[K] => task?.[key] ?? flow?.[key];
  return {
    maxAttempts: pick('maxAttempts') ?? 1,
    initialIntervalMs: parseDuration(pick('initialInterval') ?? '1s') ?? 1000,
    backoffCoefficient: pick('backoffCoefficient') ?? 2,
    maxIntervalMs: parseDuration(pick('maxInterval') ?? '1m') ?? 60_000,
    nonRetryable: new Set([...typeNonRetryable, ...(pick('nonRetryable') ?? [])]),
  };
}

/** Wait before attempt `attempt + 1`, after `attempt` failed. */
export function backoffMs(policy: ResolvedRetry, attempt: number): number {
  return Math.min(policy.maxIntervalMs, policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1));
}
