// The attribute keys Weft puts on its spans, in one place: the workflow side sets them on run
// and task spans, the metrics processor reads them back, the docs list them.

export const SPAN_ATTRIBUTES = {
  runId: 'weft.run.id',
  flow: 'weft.flow',
  taskId: 'weft.task.id',
  taskType: 'weft.task.type',
  taskIteration: 'weft.task.iteration',
  taskState: 'weft.task.state',
  taskAttempts: 'weft.task.attempts',
} as const;

/** Name of a task run's span: `task <id>` (the id, not its iteration, keeps span names few). */
export function taskSpanName(taskId: string): string {
  return `task ${taskId}`;
}
