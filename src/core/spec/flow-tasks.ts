// Every task of a validated flow, nested ones included, with its spec path. For questions
// asked of a whole flow ("does it run scripts?", "which hosts does it call?").

import { taskTypeOf } from '../task-types/registry.js';
import type { FlowSpec, Task } from './flow-spec.js';

export function* flowTasks(flow: FlowSpec): Generator<{ task: Task; path: string }> {
  for (const list of ['tasks', 'errors', 'finally'] as const) {
    const tasks = flow[list];
    if (tasks) yield* listTasks(tasks, list);
  }
}

function* listTasks(tasks: readonly Task[], path: string): Generator<{ task: Task; path: string }> {
  for (const [index, task] of tasks.entries()) {
    const at = `${path}[${index}]`;
    yield { task, path: at };
    const info = taskTypeOf(task.type);
    const fields = task as unknown as Record<string, unknown>;
    for (const field of info.nested ?? []) {
      const nested = fields[field];
      if (Array.isArray(nested)) yield* listTasks(nested as Task[], `${at}.${field}`);
    }
    for (const field of info.nestedMaps ?? []) {
      for (const [key, nested] of Object.entries((fields[field] ?? {}) as Record<string, unknown>)) {
        if (Array.isArray(nested)) yield* listTasks(nested as Task[], `${at}.${field}.${key}`);
      }
    }
  }
}

/** Paths of the `script` tasks of a flow. */
export function scriptTaskPaths(flow: FlowSpec): string[] {
  return [...flowTasks(flow)].filter((t) => t.task.type === 'script').map((t) => t.path);
}
