// The attribute keys Weft puts on its spans, in one place: the workflow side sets them on run,
// task and limit-wait spans, the metrics processor reads them back, the docs list them.

export const SPAN_ATTRIBUTES = {
  runId: 'weft.run.id',
  flow: 'weft.flow',
  taskId: 'weft.task.id',
  taskType: 'weft.task.type',
  taskIteration: 'weft.task.iteration',
  taskState: 'weft.task.state',
  taskAttempts: 'weft.task.attempts',
  /** `limit` (a task's named limit) or `concurrency` (the run's flow concurrency): marks a limit-wait span. */
  limitKind: 'weft.limit.kind',
  /** The named limit, or the flow whose concurrency it is. */
  limitName: 'weft.limit.name',
  /** `granted`, `refused`, `cancelled` or `failed`. */
  limitOutcome: 'weft.limit.outcome',
  /** Whether the wait was in line (the run or task showed QUEUED), not answered at once. */
  limitQueued: 'weft.limit.queued',
} as const;

/** Name of a task run's span: `task <id>` (the id, not its iteration, keeps span names few). */
export function taskSpanName(taskId: string): string {
  return `task ${taskId}`;
}

/** Name of a limit-wait span: `limit <name>` for a named limit, `concurrency <flow>` for a flow's. */
export function limitWaitSpanName(kind: 'limit' | 'concurrency', name: string): string {
  return `${kind} ${name}`;
}
