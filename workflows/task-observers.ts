// Observers of task runs inside the sandbox: a worker with telemetry registers one (task spans,
// src/app/worker/workflow-telemetry.ts). They are told synchronously and issue no command, so the
// interpreter makes the same decisions with or without them; with none registered, a notice is
// one length check.

/** The run a task belongs to, as the run log names it. */
export interface ObservedRun {
  runId: string;
  /** `namespace/id` of the flow. */
  flow: string;
}

/** One task run (all its attempts). */
export interface ObservedTask {
  id: string;
  type: string;
  iteration: number[] | undefined;
}

/** How a task run ended. */
export type ObservedEnd = 'COMPLETED' | 'CACHED' | 'FAILED' | 'CANCELLED';

export interface TaskRunObserver {
  /** An attempt starts; attempt 1 starts the task run. */
  started(run: ObservedRun, task: ObservedTask, attempt: number): void;
  ended(run: ObservedRun, task: ObservedTask, state: ObservedEnd, attempts: number): void;
}

const observers: TaskRunObserver[] = [];

/** Adds an observer for every workflow of this bundle; adding the same one twice has no effect. */
export function observeTaskRuns(observer: TaskRunObserver): void {
  if (!observers.includes(observer)) observers.push(observer);
}

export function noticeTaskStarted(run: ObservedRun, task: ObservedTask, attempt: number): void {
  for (const observer of observers) guarded(() => observer.started(run, task, attempt));
}

export function noticeTaskEnded(run: ObservedRun, task: ObservedTask, state: ObservedEnd, attempts: number): void {
  for (const observer of observers) guarded(() => observer.ended(run, task, state, attempts));
}

/** An observer's error must not reach the interpreter: it would stall the workflow task, not fail a task. */
function guarded(call: () => void): void {
  try {
    call();
  } catch {
    // Telemetry is best effort; the run's outcome never depends on it.
  }
}
