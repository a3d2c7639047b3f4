// The cache around a task activity's I/O: looked up before any request or process, stored after
// success, in the same activity (no extra round trip). A failed attempt throws before the store,
// so it is never cached. Tasks without `cache` pass straight through.

import { log } from '@temporalio/activity';
import type { CachedAnswer, CacheRequest, TaskContext } from '../src/core/runs/activity-io.js';
import { cacheSubjectOf, taskCacheKey } from '../src/services/cache/cache-key.js';
import type { CacheWriter, TaskCache } from '../src/services/cache/task-cache.js';

/** An activity input that may ask for the cache. */
interface Cacheable {
  context: TaskContext;
  cache?: CacheRequest;
}

/**
 * Runs `work` through the cache when the input asks for it, answering a CachedAnswer; otherwise
 * runs it and answers its output as it is. The entry is keyed by the input's rendered
 * configuration (secret markers by name), without the attempt's context and timeout.
 */
export function throughCache<T>(
  cache: TaskCache | undefined,
  input: Cacheable & { timeoutMs?: number },
  kind: string,
  work: () => Promise<T>,
): Promise<T | CachedAnswer<T>> {
  // Not async on the way past: a task without `cache` pays no extra promise.
  const request = input.cache;
  return request ? cachedWork(cache, input, request, kind, work) : work();
}

async function cachedWork<T>(
  cache: TaskCache | undefined,
  input: Cacheable & { timeoutMs?: number },
  request: CacheRequest,
  kind: string,
  work: () => Promise<T>,
): Promise<CachedAnswer<T>> {
  if (!cache) return { output: await work() };
  const key = taskCacheKey(cacheSubjectOf(input.context), request, kind, renderedConfig(input));
  const hit = await cache.lookup(key);
  if (hit) return { output: hit.output as T, cachedFrom: hit.origin };
  const output = await work();
  await storeQuietly(cache, key, writerOf(input.context), output, request.ttlMs);
  return { output };
}

/** Who stores an entry from a task attempt. */
export function writerOf(context: TaskContext): CacheWriter {
  return { ...cacheSubjectOf(context), runId: context.runId, ...(context.iteration ? { iteration: context.iteration } : {}) };
}

/**
 * Stores an entry; a store that fails here costs a later hit, never the task: its I/O is done,
 * and failing now would make the workflow do it again.
 */
export async function storeQuietly(cache: TaskCache, key: string, writer: CacheWriter, output: unknown, ttlMs: number): Promise<void> {
  try {
    await cache.put(key, writer, output, ttlMs);
  } catch (error) {
    log.warn('task output not cached: the store refused the entry', { taskId: writer.taskId, error: (error as Error).message });
  }
}

/** The input without what varies per attempt or does not shape the result (context, timeout, cache). */
function renderedConfig<T extends Cacheable & { timeoutMs?: number }>(input: T): Omit<T, 'context' | 'cache' | 'timeoutMs'> {
  const { context: _context, cache: _cache, timeoutMs: _timeoutMs, ...config } = input;
  return config;
}
