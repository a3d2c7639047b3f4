// The runtime defaults of the task types one flow uses, read from their descriptors when a run
// starts and carried by the run input, so the workflow needs neither zod nor the registry.

import type { FlowSpec } from '../spec/flow-spec.js';
import { flowTasks } from '../spec/flow-tasks.js';
import { isKnownTaskType, taskTypeOf } from './registry.js';
import type { TaskDefaultsTable, TaskRunDefaults } from './run-defaults.js';

/** Defaults of every task type `flow` uses that has any, keyed by type name in a stable order. */
export function flowTaskDefaults(flow: FlowSpec): TaskDefaultsTable {
  const types = new Set<string>();
  for (const { task } of flowTasks(flow)) types.add(task.type);
  const table: TaskDefaultsTable = {};
  for (const type of [...types].sort()) {
    if (!isKnownTaskType(type)) continue;
    const { defaultTimeout, nonRetryable } = taskTypeOf(type);
    const defaults: TaskRunDefaults = {
      ...(defaultTimeout !== undefined ? { defaultTimeout } : {}),
      ...(nonRetryable?.length ? { nonRetryable: [...nonRetryable] } : {}),
    };
    if (Object.keys(defaults).length) table[type] = defaults;
  }
  return table;
}
