// A task's `cache` in the workflow: its request for the activity (ttl, and the `key` template
// rendered like the task's other fields), and the activity's answer turned into the task's
// output, marking the task run CACHED with where the entry came from. Tasks without `cache`
// never reach here, so their commands and payloads stay as they were.

import { renderText } from '../src/core/expressions/evaluate.js';
import type { CachedAnswer, CacheRequest } from '../src/core/runs/activity-io.js';
import type { TaskRunRecord } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { TaskBase } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';

/** The task's cache request, or undefined when it sets no `cache`; throws on a key that fails to render. */
export function cacheRequestOf(task: TaskBase, frame: Frame): CacheRequest | undefined {
  const { cache } = task;
  if (!cache) return undefined;
  // Validation refused a ttl that does not parse.
  const ttlMs = parseDuration(cache.ttl) ?? 0;
  return cache.key === undefined ? { ttlMs } : { ttlMs, key: renderText(cache.key, frame.scope(), `${task.id}.cache.key`) };
}

/** The output of an activity's CachedAnswer; a hit marks the task run CACHED and records its origin. */
export function outputOf(record: TaskRunRecord, answer: unknown): unknown {
  const { output, cachedFrom } = answer as CachedAnswer;
  if (cachedFrom) {
    record.cached = true;
    record.cachedFrom = cachedFrom;
  }
  return output;
}
