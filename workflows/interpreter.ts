// Walks a flow's task lists: evaluates `when`, records task runs, applies retry and
// allowFailure, and runs each task with its type's executor (task-executors.ts). Control flow
// runs here; I/O goes to activities.

import { isCancellation, sleep } from '@temporalio/workflow';
import { renderTemplate } from '../src/core/expressions/evaluate.js';
import { describeError, formatDelay, startedMessage } from '../src/core/logs/task-event-line.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { Task } from '../src/core/spec/flow-spec.js';
import { defaultsOf } from '../src/core/task-types/run-defaults.js';
import { truthy } from './control-tasks.js';
import type { Frame } from './frame.js';
import { failureDetails } from './llm-task.js';
import { underLimits } from './named-limits.js';
import { backoffMs, resolveRetry } from './retry-policy.js';
import type { RunContext } from './run-context.js';
import { executorOf, runAttempt, runNow } from './task-executors.js';
import { TaskFailure, toTaskError } from './task-failure.js';
import { noticeTaskEnded, noticeTaskStarted, type ObservedEnd, type ObservedRun } from './task-observers.js';
import { runWithTimeout, TaskTimedOut } from './timeout-scope.js';

/** A task's retry policy and the workflow-side timeout of each attempt; `single`: one attempt, no timer. */
interface AttemptPlan {
  policy: ReturnType<typeof resolveRetry>;
  limitMs: number | undefined;
  single: boolean;
}

/**
 * Every promise a workflow creates costs a stack capture by the SDK's promise hook (an `await`
 * makes one too), so the interpreter makes as few as it can: a task list is one promise, a task
 * with nothing to wait for ends in place without one, and a task of one attempt hands back its
 * executor's promise as it is (bench/README.md, "History of promise counts and costs").
 */
export class Interpreter {
  constructor(readonly ctx: RunContext) {}

  /** The run as task observers see it, built once. */
  private observed: ObservedRun | undefined;

  private noticeEnded(task: Task, frame: Frame, state: ObservedEnd, attempts: number): void {
    this.observed ??= { runId: this.ctx.runId, flow: `${this.ctx.flow.namespace}/${this.ctx.flow.id}` };
    noticeTaskEnded(this.observed, { id: task.id, type: task.type, iteration: frame.iteration }, state, attempts);
  }

  /** Runs a task list in order; a list of one (a branch, a foreach body) is that task's own promise. */
  runList(tasks: readonly Task[], frame: Frame): Promise<void> {
    return tasks.length === 1 ? this.runTask(tasks[0] as Task, frame) : this.runSteps(tasks, frame);
  }

  /** Runs one task run (all its attempts) and records it; rejects with a TaskFailure unless `allowFailure`. */
  runTask(task: Task, frame: Frame): Promise<void> {
    const record = this.ctx.book.start(task.id, task.type, frame.iteration);
    let work: Promise<unknown> | undefined;
    try {
      work = this.begin(task, frame, record);
    } catch (failure) {
      return Promise.reject(failure);
    }
    if (!work) {
      this.ended ??= Promise.resolve();
      return this.ended;
    }
    return work.then(
      (output) => this.end(task, frame, record, true, output),
      (error) => this.end(task, frame, record, false, error),
    );
  }

  /** A settled promise shared by every task that ended in place and must still hand one back. */
  private ended: Promise<void> | undefined;

  /**
   * A task list as one promise. A task that ends in place (see `begin`) lets the loop go straight
   * on; a task with work to wait for moves the list on from its own promise's callback.
   */
  private runSteps(tasks: readonly Task[], frame: Frame): Promise<void> {
    return new Promise((resolve, reject) => {
      const from = (start: number): void => {
        try {
          for (let i = start; i < tasks.length; i++) {
            const task = tasks[i] as Task;
            const record = this.ctx.book.start(task.id, task.type, frame.iteration);
            const work = this.begin(task, frame, record);
            if (work) {
              const settle = (ok: boolean, outcome: unknown) => {
                try {
                  this.end(task, frame, record, ok, outcome);
                } catch (failure) {
                  reject(failure);
                  return;
                }
                from(i + 1);
              };
              work.then(
                (output) => settle(true, output),
                (error) => settle(false, error),
              );
              return;
            }
          }
        } catch (failure) {
          reject(failure);
          return;
        }
        resolve();
      };
      from(0);
    });
  }

  /**
   * A task run up to its first wait: `when`, then the work. A task whose type ends in place, with
   * one attempt and no `timeout`, ends here (undefined); other tasks return their work's promise
   * for `end`. Throws what `failed` throws for a task that failed here.
   */
  private begin(task: Task, frame: Frame, record: TaskRunRecord): Promise<unknown> | undefined {
    try {
      if (this.skipped(task, frame, record)) return undefined;
      if (task.limits) return underLimits(this.ctx, task, frame, record, () => this.limitedWork(task, frame, record));
      const plan = this.attemptPlan(task);
      if (!plan.single) return this.withAttempts(task, frame, record, plan);
      this.startAttempt(task, frame, record, 1);
      if (!executorOf(task).now) return runAttempt(this, task.type, task, frame, record, 1);
      this.completed(task, frame, record, runNow(this, task.type, task, frame));
    } catch (error) {
      this.failed(task, frame, record, error);
    }
    return undefined;
  }

  /** The work of a task that holds its named limits' slots: every attempt, as one promise or value. */
  private limitedWork(task: Task, frame: Frame, record: TaskRunRecord): unknown {
    const plan = this.attemptPlan(task);
    if (!plan.single) return this.withAttempts(task, frame, record, plan);
    this.startAttempt(task, frame, record, 1);
    return executorOf(task).now ? runNow(this, task.type, task, frame) : runAttempt(this, task.type, task, frame, record, 1);
  }

  /** Records the outcome of a task's work; throws what `failed` throws. */
  private end(task: Task, frame: Frame, record: TaskRunRecord, ok: boolean, outcome: unknown): void {
    if (ok) {
      try {
        this.completed(task, frame, record, outcome);
        return;
      } catch (error) {
        outcome = error;
      }
    }
    this.failed(task, frame, record, outcome);
  }

  /** Evaluates `when`; a false one finishes the task run as SKIPPED. */
  private skipped(task: Task, frame: Frame, record: TaskRunRecord): boolean {
    if (task.when === undefined || truthy(renderTemplate(task.when, frame.scope(), `${task.id}.when`))) return false;
    this.ctx.book.finish(record, 'SKIPPED');
    this.ctx.events.record(task.id, frame.iteration, record.attempts, 'skipped', 'info', 'skipped (when is false)');
    return true;
  }

  private completed(task: Task, frame: Frame, record: TaskRunRecord, output: unknown): void {
    const key = taskRunKey(task.id, frame.iteration);
    frame.setOutput(task.id, output ?? {});
    this.ctx.outputs.set(key, output ?? {});
    const reusedFrom = this.ctx.restart?.markReused(key, record);
    this.ctx.book.finish(record, record.cached ? 'CACHED' : 'COMPLETED');
    const message = reusedFrom ? `reused from run ${reusedFrom}` : record.cached ? 'completed from cache' : `completed in ${elapsedMs(record.startedAt)} ms`;
    this.ctx.events.record(task.id, frame.iteration, record.attempts, 'completed', 'info', message);
    this.noticeEnded(task, frame, record.cached ? 'CACHED' : 'COMPLETED', record.attempts);
  }

  /** Records how the task run ended; returns when `allowFailure` lets the run go on, else throws. */
  private failed(task: Task, frame: Frame, record: TaskRunRecord, error: unknown): void {
    const { events } = this.ctx;
    if (isCancellation(error)) {
      this.ctx.book.finish(record, 'CANCELLED');
      events.record(task.id, frame.iteration, record.attempts, 'cancelled', 'warn', 'cancelled');
      this.noticeEnded(task, frame, 'CANCELLED', record.attempts);
      throw error;
    }
    const taskError = toTaskError(error);
    this.ctx.book.finish(record, 'FAILED', taskError, task.allowFailure === true);
    const failed = `${record.attempts > 1 ? `failed after ${record.attempts} attempts` : 'failed'} (${describeError(taskError)})`;
    this.noticeEnded(task, frame, 'FAILED', record.attempts);
    if (task.allowFailure) {
      events.record(task.id, frame.iteration, record.attempts, 'failed', 'warn', `${failed}; allowFailure: the run goes on`);
      return;
    }
    events.record(task.id, frame.iteration, record.attempts, 'failed', 'error', failed);
    throw error instanceof TaskFailure ? error : new TaskFailure(task.id, frame.iteration, taskError);
  }

  private attemptPlan(task: Task): AttemptPlan {
    const policy = resolveRetry(this.ctx.flow.retry, task.retry, defaultsOf(this.ctx.taskDefaults, task.type).nonRetryable);
    const limitMs = task.timeout && !executorOf(task).selfTimed ? parseDuration(task.timeout) : undefined;
    return { policy, limitMs, single: limitMs === undefined && policy.maxAttempts <= 1 };
  }

  private startAttempt(task: Task, frame: Frame, record: TaskRunRecord, attempt: number): void {
    record.attempts = attempt;
    this.ctx.events.record(task.id, frame.iteration, attempt, 'started', 'info', startedMessage(attempt));
    this.observed ??= { runId: this.ctx.runId, flow: `${this.ctx.flow.namespace}/${this.ctx.flow.id}` };
    noticeTaskStarted(this.observed, { id: task.id, type: task.type, iteration: frame.iteration }, attempt);
    if (executorOf(task).ownLines) this.ctx.events.writeSoon();
  }

  /** A task with retries or a workflow-side timeout: each attempt, the backoff between them. */
  private async withAttempts(task: Task, frame: Frame, record: TaskRunRecord, { policy, limitMs }: AttemptPlan): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      this.startAttempt(task, frame, record, attempt);
      try {
        if (limitMs === undefined) return await runAttempt(this, task.type, task, frame, record, attempt);
        let timedOut = false;
        try {
          return await runWithTimeout(
            limitMs,
            () => runAttempt(this, task.type, task, frame, record, attempt),
            () => (timedOut = true),
          );
        } catch (error) {
          if (timedOut && isCancellation(error)) throw new TaskTimedOut(`${task.id} ran longer than its timeout of ${task.timeout}`);
          throw error;
        }
      } catch (error) {
        if (isCancellation(error) || error instanceof TaskFailure) throw error;
        const { type } = toTaskError(error);
        if (attempt >= policy.maxAttempts || policy.nonRetryable.has(type)) throw error;
        this.ctx.book.set(record, 'RETRYING');
        // A provider's retry-after (rate limits) is a floor under the policy's backoff.
        const delayMs = Math.max(backoffMs(policy, attempt), failureDetails(error)?.retryAfterMs ?? 0);
        const failed = `attempt ${attempt} of ${policy.maxAttempts} failed (${describeError(toTaskError(error))})`;
        this.ctx.events.record(task.id, frame.iteration, attempt, 'retrying', 'warn', `${failed}; retrying in ${formatDelay(delayMs)}`);
        // Followers see the failure now, not when the backoff ends.
        this.ctx.events.writeNow();
        await sleep(delayMs);
        this.ctx.book.set(record, 'RUNNING');
      }
    }
  }
}

/** Milliseconds of workflow time since an ISO timestamp. */
function elapsedMs(since: string | undefined): number {
  if (since === undefined) return 0;
  return Math.max(0, Date.now() - Date.parse(since));
}
