// Task types registered from TypeScript: the workflow renders the task's fields (every field
// but the common ones) and hands them to the worker's custom-task activity, which runs the
// module's handler. Validation already checked the fields against the type's schema.

import { renderValue } from '../src/core/expressions/evaluate.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { TaskBase } from '../src/core/spec/flow-spec.js';
import { defaultsOf } from '../src/core/task-types/run-defaults.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { cacheRequestOf, outputOf } from './task-cache.js';

/** Fields every task has; the rest is the custom type's own config. */
const COMMON = new Set(['id', 'type', 'description', 'when', 'retry', 'timeout', 'allowFailure', 'cache']);
/** A task of a type registered from TypeScript by a Weft module (validation knew the type). */
export type CustomTask = TaskBase & { type: string };

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
const TIMEOUT_SLACK_MS = 30_000;

export async function runCustomTask(ctx: RunContext, task: CustomTask, frame: Frame, attempt: number, record: TaskRunRecord): Promise<unknown> {
  const config: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(task)) if (!COMMON.has(field)) config[field] = value;
  const key = taskRunKey(task.id, frame.iteration);
  const limit = parseDuration(task.timeout ?? defaultsOf(ctx.taskDefaults, task.type).defaultTimeout ?? '') ?? DEFAULT_TIMEOUT_MS;
  const cache = cacheRequestOf(task, frame);
  const acts = ctx.activities(key, attempt, `${key}: ${task.type}`, limit + TIMEOUT_SLACK_MS, task.id);
  const answer = await acts.runCustomTask({
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    type: task.type,
    // The activity resolves markers only in the type's secretFields.
    config: renderValue(config, ctx.secretScope(frame), task.id) as Record<string, unknown>,
    timeoutMs: limit,
    ...(cache ? { cache } : {}),
  });
  return cache ? outputOf(record, answer) : answer;
}
