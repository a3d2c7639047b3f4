// The operations on the task cache that adapters offer: clearing entries per flow, per task or
// all (`weft cache clear`), which also prunes expired ones.

import { WeftError } from '../../core/errors.js';
import { FLOW_ID_PATTERN, NAMESPACE_PATTERN, TASK_ID_PATTERN } from '../../core/spec/schemas.js';
import type { Store } from '../store/database.js';
import { type CacheFilter, TaskCache } from './task-cache.js';

/** Thrown when a clear request selects nothing, or both everything and some entries, or names an invalid flow or task. */
export class CacheClearTargetError extends WeftError {
  constructor(message: string, hint: string) {
    super('CACHE_CLEAR_TARGET_INVALID', message, { hint });
  }
}

/** What to clear: `flow` (`namespace/id`) and/or `taskId`, or `all`. */
export interface ClearCacheRequest {
  flow?: string;
  taskId?: string;
  all?: boolean;
}

export interface ClearCacheResult {
  /** Entries the request selected and deleted (fresh or expired). */
  removed: number;
  /** Other entries deleted because they had expired. */
  expired: number;
}

export class CacheService {
  private readonly cache: TaskCache;

  constructor(store: Store) {
    this.cache = new TaskCache(store);
  }

  /** Deletes the selected entries, then every expired one. */
  async clearCache(request: ClearCacheRequest): Promise<ClearCacheResult> {
    const removed = await this.cache.clear(filterOf(request));
    const expired = await this.cache.prune();
    return { removed, expired };
  }
}

function filterOf(request: ClearCacheRequest): CacheFilter {
  const { flow, taskId, all } = request;
  if (all) {
    if (flow !== undefined || taskId !== undefined)
      throw new CacheClearTargetError('cache clear --all takes no --flow or --task', 'use --all alone, or --flow/--task alone');
    return { all: true };
  }
  if (flow !== undefined) {
    const [namespace = '', id = '', ...rest] = flow.split('/');
    if (rest.length || !NAMESPACE_PATTERN.test(namespace) || !FLOW_ID_PATTERN.test(id))
      throw new CacheClearTargetError(`cache clear --flow "${flow}" is not a flow name`, 'write namespace/id, e.g. default/hello');
  }
  if (taskId !== undefined && !TASK_ID_PATTERN.test(taskId))
    throw new CacheClearTargetError(
      `cache clear --task "${taskId}" is not a task id`,
      'a task id starts with a letter or "_" and holds letters, digits and "_"',
    );
  if (flow !== undefined) return taskId !== undefined ? { flow, taskId } : { flow };
  if (taskId !== undefined) return { taskId };
  throw new CacheClearTargetError('cache clear needs --flow, --task or --all', 'e.g. weft cache clear --flow default/hello, or --all for every entry');
}
