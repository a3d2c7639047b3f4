// Walks a flow's task lists: evaluates `when`, records task runs, applies retry and
// allowFailure, and dispatches each task type. Control flow runs here; I/O goes to activities.

import { isCancellation, sleep } from '@temporalio/workflow';
import { renderTemplate, renderValue } from '../src/core/expressions/evaluate.js';
import { describeError, formatDelay, startedMessage, type TaskEventKind } from '../src/core/logs/task-event-line.js';
import type { LogLine } from '../src/core/runs/activity-io.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { FailTask, IfTask, LlmTask, LogTask, SetTask, SleepTask, SwitchTask, Task } from '../src/core/spec/flow-spec.js';
import { taskDefaults } from '../src/core/spec/task-defaults.js';
import { runApproval } from './approval.js';
import { runCustomTask } from './custom-task.js';
import { runForeach } from './foreach.js';
import type { Frame } from './frame.js';
import { runHttp, runScript, runSubflow, writeLog, writeLogNow } from './io-tasks.js';
import { failureDetails, runLlm } from './llm-task.js';
import { backoffMs, resolveRetry } from './retry-policy.js';
import type { RunContext } from './run-context.js';
import { runPool } from './run-pool.js';
import { TaskFailure, toTaskError } from './task-failure.js';
import { runWithTimeout, TaskTimedOut } from './timeout-scope.js';

/** Task types whose `timeout` is enforced by the task itself rather than by a workflow timer. */
const SELF_TIMED = new Set<string>(['http', 'script', 'approval', 'llm']);
/** Built-in types whose activities write no lines of their own (script, llm and custom types do). */
const NO_OWN_LINES = new Set<string>(['log', 'set', 'fail', 'sleep', 'http', 'approval', 'subflow', 'sequence', 'parallel', 'if', 'switch', 'foreach']);

/** Runs one task attempt and returns its output (undefined: the task has no output). */
type Executor = (task: Task, frame: Frame, record: TaskRunRecord, attempt: number) => Promise<unknown>;

export class Interpreter {
  constructor(readonly ctx: RunContext) {}

  runList(tasks: readonly Task[], frame: Frame): Promise<void> {
    if (this.ctx.inPlaceSteps) return tasks.length === 1 ? this.runTask(tasks[0] as Task, frame) : this.runSteps(tasks, frame);
    // A list of one (a foreach iteration's body, a branch) is that task's own promise: one async
    // layer fewer (see withRetry); older runs keep the layer their commands were recorded with.
    if (tasks.length === 1 && this.ctx.sinceLogSink) return this.runTask(tasks[0] as Task, frame);
    return this.runEach(tasks, frame);
  }

  private async runEach(tasks: readonly Task[], frame: Frame): Promise<void> {
    for (const task of tasks) await this.runTask(task, frame);
  }

  /** Runs one task run (all its attempts) and records it; rejects with a TaskFailure unless `allowFailure`. */
  runTask(task: Task, frame: Frame): Promise<void> {
    if (this.ctx.inPlaceSteps) return this.runTaskInPlace(task, frame);
    return this.ctx.lean ? this.runTaskLean(task, frame) : this.runTaskAwaiting(task, frame);
  }

  /**
   * Runs since `in-place-steps`: the list is one promise. A task that ends in place (see
   * `begin`) lets the loop go straight on; a task with work to wait for moves the list on from
   * its own promise's callback. Each promise costs a stack capture by the SDK's promise hook, and
   * a run of `set`/`log` steps used to make three per step.
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
              const settle = (ok: boolean, outcome: unknown) =>
                this.moveOn(
                  () => this.end(task, frame, record, ok, outcome),
                  () => from(i + 1),
                  reject,
                );
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

  /** One task run as a promise, for branches and list items that run side by side (since `in-place-steps`). */
  private runTaskInPlace(task: Task, frame: Frame): Promise<void> {
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
   * A task run up to its first wait: `when`, then the work. `set`, `log` and `fail` of one attempt
   * end here (undefined); other tasks return their work's promise for `end`. Throws what `failed`
   * throws for a task that failed here.
   */
  private begin(task: Task, frame: Frame, record: TaskRunRecord): Promise<unknown> | undefined {
    try {
      if (this.skipped(task, frame, record)) return undefined;
      if (!this.endsInPlace(task)) return this.withRetry(task, frame, record);
      this.startOnlyAttempt(task, frame, record);
      this.completed(task, frame, record, this.runInPlace(task, frame));
    } catch (error) {
      this.failed(task, frame, record, error);
    }
    return undefined;
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

  /** Runs `end`, then `next`; a failure that stops the list goes to `fail` instead. */
  private moveOn(end: () => void, next: () => void, fail: (failure: unknown) => void): void {
    try {
      end();
    } catch (failure) {
      fail(failure);
      return;
    }
    next();
  }

  /** `set`, `log` and `fail` with one attempt and no timer: nothing to wait for. */
  private endsInPlace(task: Task): task is SetTask | LogTask | FailTask {
    return (task.type === 'set' || task.type === 'log' || task.type === 'fail') && this.attemptPlan(task).single;
  }

  private runInPlace(task: SetTask | LogTask | FailTask, frame: Frame): unknown {
    switch (task.type) {
      case 'set':
        return renderValue(task.values, frame.scope(), `${task.id}.values`);
      case 'log':
        return writeLogNow(this.ctx, task, frame);
      case 'fail':
        throw flowFailed(task, frame);
    }
  }

  /**
   * Runs since the `lean-tasks` patch: one promise callback instead of an async function and its
   * awaits. The SDK's promise hook captures a stack trace for every promise a workflow creates
   * (an `await` makes one too while hooks are on), and this is the path every task takes.
   * The sink path never fills the event buffer (`events.full`), so there is no flush to wait for.
   */
  private runTaskLean(task: Task, frame: Frame): Promise<void> {
    const record = this.ctx.book.start(task.id, task.type, frame.iteration);
    let running: Promise<unknown>;
    try {
      if (this.skipped(task, frame, record)) return Promise.resolve();
      running = this.withRetry(task, frame, record);
    } catch (error) {
      return this.settleFailure(task, frame, record, error);
    }
    return running.then(
      (output) => this.end(task, frame, record, true, output),
      (error) => this.end(task, frame, record, false, error),
    );
  }

  /** Runs started before `lean-tasks`: the async layers their commands were recorded with. */
  private async runTaskAwaiting(task: Task, frame: Frame): Promise<void> {
    const { events } = this.ctx;
    if (events.full) await events.flush();
    const record = this.ctx.book.start(task.id, task.type, frame.iteration);
    try {
      if (this.skipped(task, frame, record)) return;
      const output = await this.withRetry(task, frame, record);
      this.completed(task, frame, record, output);
    } catch (error) {
      this.failed(task, frame, record, error);
    }
  }

  private taskEvent(task: Task, frame: Frame, record: TaskRunRecord, kind: TaskEventKind, level: LogLine['level'], message: string): void {
    this.ctx.events.record(task.id, frame.iteration, record.attempts, kind, level, message);
  }

  /** Evaluates `when`; a false one finishes the task run as SKIPPED. */
  private skipped(task: Task, frame: Frame, record: TaskRunRecord): boolean {
    if (task.when === undefined || truthy(renderTemplate(task.when, frame.scope(), `${task.id}.when`))) return false;
    this.ctx.book.finish(record, 'SKIPPED');
    this.taskEvent(task, frame, record, 'skipped', 'info', 'skipped (when is false)');
    return true;
  }

  private completed(task: Task, frame: Frame, record: TaskRunRecord, output: unknown): void {
    frame.setOutput(task.id, output ?? {});
    this.ctx.outputs.set(taskRunKey(task.id, frame.iteration), output ?? {});
    this.ctx.book.finish(record, record.cached ? 'CACHED' : 'COMPLETED');
    this.taskEvent(task, frame, record, 'completed', 'info', record.cached ? 'completed from cache' : `completed in ${elapsedMs(record.startedAt)} ms`);
  }

  /** Records how the task run ended; returns when `allowFailure` lets the run go on, else throws. */
  private failed(task: Task, frame: Frame, record: TaskRunRecord, error: unknown): void {
    if (isCancellation(error)) {
      this.ctx.book.finish(record, 'CANCELLED');
      this.taskEvent(task, frame, record, 'cancelled', 'warn', 'cancelled');
      throw error;
    }
    const taskError = toTaskError(error);
    this.ctx.book.finish(record, 'FAILED', taskError, task.allowFailure === true);
    const failed = `${record.attempts > 1 ? `failed after ${record.attempts} attempts` : 'failed'} (${describeError(taskError)})`;
    if (task.allowFailure) {
      this.taskEvent(task, frame, record, 'failed', 'warn', `${failed}; allowFailure: the run goes on`);
      return;
    }
    this.taskEvent(task, frame, record, 'failed', 'error', failed);
    throw error instanceof TaskFailure ? error : new TaskFailure(task.id, frame.iteration, taskError);
  }

  /** `failed` for an error thrown before the task's promise existed (a template, a `when`). */
  private settleFailure(task: Task, frame: Frame, record: TaskRunRecord, error: unknown): Promise<void> {
    try {
      this.failed(task, frame, record, error);
      return Promise.resolve();
    } catch (failure) {
      return Promise.reject(failure);
    }
  }

  /**
   * Not async on purpose: a task with one attempt and no workflow-side timeout (most tasks) hands
   * back its executor's promise as it is. The SDK's promise hook captures a stack trace for every
   * promise a workflow creates, so each async layer costs every task (bench/README.md).
   */
  private withRetry(task: Task, frame: Frame, record: TaskRunRecord): Promise<unknown> {
    const execute = this.executor(task);
    const { policy, limitMs, single } = this.attemptPlan(task);
    // Runs from before the `log-sink` patch keep the old chain of awaits, so their commands keep
    // their recorded order wherever branches run side by side.
    if (this.ctx.sinceLogSink && single) {
      this.startOnlyAttempt(task, frame, record);
      return execute(task, frame, record, 1);
    }
    return this.withAttempts(task, frame, record, execute, policy, limitMs);
  }

  /** A task's retry policy and the workflow-side timeout of each attempt; `single`: one attempt, no timer. */
  private attemptPlan(task: Task): { policy: ReturnType<typeof resolveRetry>; limitMs: number | undefined; single: boolean } {
    const policy = resolveRetry(this.ctx.flow.retry, task.retry, taskDefaults(task.type).nonRetryable);
    // Activities enforce their own timeout per attempt, and an approval's timeout is its wait.
    const limitMs = task.timeout && !SELF_TIMED.has(task.type) ? parseDuration(task.timeout) : undefined;
    return { policy, limitMs, single: limitMs === undefined && policy.maxAttempts <= 1 };
  }

  private startOnlyAttempt(task: Task, frame: Frame, record: TaskRunRecord): void {
    record.attempts = 1;
    this.ctx.events.record(task.id, frame.iteration, 1, 'started', 'info', startedMessage(1));
    if (!NO_OWN_LINES.has(task.type)) this.ctx.events.writeSoon();
  }

  private async withAttempts(
    task: Task,
    frame: Frame,
    record: TaskRunRecord,
    execute: Executor,
    policy: ReturnType<typeof resolveRetry>,
    limitMs: number | undefined,
  ): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      record.attempts = attempt;
      this.ctx.events.record(task.id, frame.iteration, attempt, 'started', 'info', startedMessage(attempt));
      if (!NO_OWN_LINES.has(task.type)) this.ctx.events.writeSoon();
      try {
        if (limitMs === undefined) return await execute(task, frame, record, attempt);
        let timedOut = false;
        try {
          return await runWithTimeout(
            limitMs,
            () => execute(task, frame, record, attempt),
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
        await this.ctx.events.flush();
        await sleep(delayMs);
        this.ctx.book.set(record, 'RUNNING');
      }
    }
  }

  private executor(task: Task): Executor {
    switch (task.type) {
      case 'log':
        return (t, frame) => writeLog(this.ctx, t as LogTask, frame);
      case 'set':
        return async (t, frame) => renderValue((t as SetTask).values, frame.scope(), `${t.id}.values`);
      case 'fail':
        return async (t, frame) => {
          throw flowFailed(t as FailTask, frame);
        };
      case 'sleep':
        return (t, frame, record) => this.runSleep(t as SleepTask, frame, record);
      case 'http':
        // Older runs keep the async layer they recorded their commands with.
        return this.ctx.sinceLogSink
          ? (t, frame, _r, attempt) => runHttp(this.ctx, t as Extract<Task, { type: 'http' }>, frame, attempt)
          : async (t, frame, _r, attempt) => runHttp(this.ctx, t as Extract<Task, { type: 'http' }>, frame, attempt);
      case 'script':
        return (t, frame, _r, attempt) => runScript(this.ctx, t as Extract<Task, { type: 'script' }>, frame, attempt);
      case 'approval':
        return (t, frame, record) => runApproval(this.ctx, t as Extract<Task, { type: 'approval' }>, frame, record);
      case 'subflow':
        return (t, frame) => runSubflow(this.ctx, t as Extract<Task, { type: 'subflow' }>, frame);
      case 'sequence':
        return async (t, frame) => {
          await this.runList((t as Extract<Task, { type: 'sequence' }>).tasks, frame);
          return {};
        };
      case 'parallel':
        return async (t, frame) => {
          const { tasks, concurrency } = t as Extract<Task, { type: 'parallel' }>;
          await runPool(tasks.length, concurrency ?? tasks.length, (i) => this.runTask(tasks[i] as Task, frame));
          return {};
        };
      case 'if':
        return (t, frame) => this.runIf(t as IfTask, frame);
      case 'switch':
        return (t, frame) => this.runSwitch(t as SwitchTask, frame);
      case 'foreach':
        return (t, frame, record) => runForeach(this, t as Extract<Task, { type: 'foreach' }>, frame, record);
      case 'llm':
        return (t, frame, record, attempt) => runLlm(this.ctx, t as LlmTask, frame, record, attempt);
      default:
        // A type registered from TypeScript by a Weft module (validation knew it).
        return (t, frame, _r, attempt) => runCustomTask(this.ctx, t as { id: string; type: string; timeout?: string }, frame, attempt);
    }
  }

  private async runSleep(task: SleepTask, frame: Frame, record: TaskRunRecord): Promise<unknown> {
    let ms: number;
    if (task.duration !== undefined) ms = parseDuration(task.duration) ?? 0;
    else {
      const until = renderTemplate(task.until ?? '', frame.scope(), `${task.id}.until`);
      const at = typeof until === 'string' ? Date.parse(until) : Number.NaN;
      if (Number.isNaN(at))
        throw new TaskFailure(task.id, frame.iteration, {
          type: 'InvalidTimestamp',
          message: `${task.id}.until must be an RFC 3339 timestamp (got ${JSON.stringify(until)})`,
        });
      ms = at - Date.now();
    }
    if (ms > 0) {
      this.ctx.book.set(record, 'WAITING');
      await this.ctx.events.flush();
      await sleep(ms);
      this.ctx.book.set(record, 'RUNNING');
    }
    return {};
  }

  private async runIf(task: IfTask, frame: Frame): Promise<unknown> {
    const branch = truthy(renderTemplate(task.condition, frame.scope(), `${task.id}.condition`)) ? 'then' : 'else';
    const tasks = branch === 'then' ? task.then : task.else;
    if (tasks) await this.runList(tasks, frame);
    return { branch };
  }

  private async runSwitch(task: SwitchTask, frame: Frame): Promise<unknown> {
    const value = renderTemplate(task.value, frame.scope(), `${task.id}.value`);
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    const tasks = Object.hasOwn(task.cases, key) ? task.cases[key] : task.default;
    if (tasks) await this.runList(tasks, frame);
    return { case: Object.hasOwn(task.cases, key) ? key : 'default' };
  }
}

/** The failure a `fail` task ends with. */
function flowFailed(task: FailTask, frame: Frame): TaskFailure {
  const message = String(renderTemplate(task.message, frame.scope(), `${task.id}.message`));
  return new TaskFailure(task.id, frame.iteration, { type: 'FlowFailed', message });
}

/** Milliseconds of workflow time since an ISO timestamp. */
function elapsedMs(since: string | undefined): number {
  if (since === undefined) return 0;
  return Math.max(0, Date.now() - Date.parse(since));
}

/** Truthiness of a control value: booleans as is; null, empty and zero are false. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined || value === '' || value === 0) return false;
  if (typeof value === 'string') return value.toLowerCase() !== 'false';
  return true;
}

export { taskRunKey };
