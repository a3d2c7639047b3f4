// The key of a task's cache entry. Without an explicit `key`: the flow, the task id, the kind of
// I/O and the rendered configuration (secret markers by name: configDigest). With one: the
// namespace and the rendered key, so every flow of the namespace rendering it shares the entry.

import type { CacheRequest, TaskContext } from '../../core/runs/activity-io.js';
import { configDigest } from '../../core/runs/config-digest.js';

/** Where an entry is stored from: the task's run context, reduced to what keys and records need. */
export interface CacheSubject {
  namespace: string;
  /** `namespace/id` of the flow. */
  flow: string;
  taskId: string;
}

/** The subject of a task attempt's context (`flow` is `namespace/id`). */
export function cacheSubjectOf(context: TaskContext): CacheSubject {
  const flow = context.flow ?? '';
  const slash = flow.indexOf('/');
  return { namespace: slash > 0 ? flow.slice(0, slash) : flow, flow, taskId: context.taskId };
}

/**
 * The entry key (hex SHA-256). `kind` names what the configuration configures (`http`, `script`,
 * `subflow`, `llm`, `custom:<type>`), so two kinds of task never meet under one digest.
 */
export function taskCacheKey(subject: CacheSubject, request: CacheRequest, kind: string, config: unknown): string {
  if (request.key !== undefined) return configDigest({ scope: 'key', namespace: subject.namespace, key: request.key });
  return configDigest({ scope: 'task', flow: subject.flow, taskId: subject.taskId, kind, config });
}
