// Observers of task runs and limit waits inside the sandbox: a worker with telemetry registers one
// (task and limit-wait spans, src/app/worker/workflow-telemetry.ts). They are told synchronously
// and issue no command, so the interpreter makes the same decisions with or without them; with
// none registered, a notice is one length check.

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

/**
 * A wait for a slot of a limit: a task's named limit (`limit`), or the run's flow concurrency
 * (`concurrency`, no task). `id` is the slot request's id, unique within the run.
 */
export interface ObservedLimitWait {
  id: string;
  kind: 'limit' | 'concurrency';
  /** The named limit, or the flow (`namespace/id`); never a concurrency key, which comes from inputs. */
  name: string;
  task?: ObservedTask;
}

/** How a limit wait ended: the slot, onLimit fail's refusal, the run's cancellation, or an error. */
export type ObservedWaitEnd = 'granted' | 'refused' | 'cancelled' | 'failed';

export interface TaskRunObserver {
  /** An attempt starts; attempt 1 starts the task run. */
  started(run: ObservedRun, task: ObservedTask, attempt: number): void;
  ended(run: ObservedRun, task: ObservedTask, state: ObservedEnd, attempts: number): void;
  /** A run or task asks a limit's keeper for a slot. */
  waitStarted?(run: ObservedRun, wait: ObservedLimitWait): void;
  /** The answer came; `queued` when it waited in line first (state QUEUED). */
  waitEnded?(run: ObservedRun, wait: ObservedLimitWait, outcome: ObservedWaitEnd, queued: boolean): void;
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

export function noticeWaitStarted(run: ObservedRun, wait: ObservedLimitWait): void {
  for (const observer of observers) guarded(() => observer.waitStarted?.(run, wait));
}

export function noticeWaitEnded(run: ObservedRun, wait: ObservedLimitWait, outcome: ObservedWaitEnd, queued: boolean): void {
  for (const observer of observers) guarded(() => observer.waitEnded?.(run, wait, outcome, queued));
}

/** An observer's error must not reach the interpreter: it would stall the workflow task, not fail a task. */
function guarded(call: () => void): void {
  try {
    call();
  } catch {
    // Telemetry is best effort; the run's outcome never depends on it.
  }
}
