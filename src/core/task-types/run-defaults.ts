// The runtime defaults of the task types a flow uses (per-attempt timeout, error types never
// retried), as the run input carries them. No zod here: the workflow bundle imports this file.

/** Defaults of one task type for one run (enters history with the run input; only gains optional fields). */
export interface TaskRunDefaults {
  /** Per-attempt timeout when a task sets none (a duration such as `30s`). */
  defaultTimeout?: string;
  /** Error types never retried, added to each task's `retry.nonRetryable`. */
  nonRetryable?: string[];
}

/** Defaults by task type name, for the types of one flow (FlowRunInput.taskDefaults). */
export type TaskDefaultsTable = Record<string, TaskRunDefaults>;

/** The defaults of `type` in `table`; none when the run input carries no table or no entry. */
export function defaultsOf(table: TaskDefaultsTable | undefined, type: string): TaskRunDefaults {
  return table !== undefined && Object.hasOwn(table, type) ? (table[type] as TaskRunDefaults) : {};
}
