// Task types that run in workflow code: `sleep`, `sequence`, `parallel`, `if`, `switch`, and the
// failure a `fail` task ends with. Their nested lists go back to the interpreter.

import { sleep } from '@temporalio/workflow';
import { renderTemplate } from '../src/core/expressions/evaluate.js';
import { sleepConfigDigest } from '../src/core/runs/restart-digest.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { FailTask, IfTask, ParallelTask, SequenceTask, SleepTask, SwitchTask, Task } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';
import type { Interpreter } from './interpreter.js';
import type { RunContext } from './run-context.js';
import { runPool } from './run-pool.js';
import { TaskFailure } from './task-failure.js';

export async function runSleep(ctx: RunContext, task: SleepTask, frame: Frame, record: TaskRunRecord): Promise<unknown> {
  let ms: number;
  // What the sleep waits for, so a restart sleeps again only when that changed (restart-seed.ts).
  const reusable = (until?: unknown) => {
    record.digest = sleepConfigDigest({ duration: task.duration, until });
    return ctx.restart?.match(taskRunKey(task.id, frame.iteration), () => record.digest as string) !== undefined;
  };
  if (task.duration !== undefined) {
    if (reusable()) return {};
    ms = parseDuration(task.duration) ?? 0;
  } else {
    const until = renderTemplate(task.until ?? '', frame.scope(), `${task.id}.until`);
    if (reusable(until)) return {};
    const at = typeof until === 'string' ? Date.parse(until) : Number.NaN;
    if (Number.isNaN(at))
      throw new TaskFailure(task.id, frame.iteration, {
        type: 'InvalidTimestamp',
        message: `${task.id}.until must be an RFC 3339 timestamp (got ${JSON.stringify(until)})`,
      });
    ms = at - Date.now();
  }
  if (ms > 0) {
    ctx.book.set(record, 'WAITING');
    // Followers see what happened so far while the run sleeps.
    ctx.events.writeNow();
    await sleep(ms);
    ctx.book.set(record, 'RUNNING');
  }
  return {};
}

export async function runSequence(interp: Interpreter, task: SequenceTask, frame: Frame): Promise<unknown> {
  await interp.runList(task.tasks, frame);
  return {};
}

export async function runParallel(interp: Interpreter, task: ParallelTask, frame: Frame): Promise<unknown> {
  const { tasks } = task;
  await runPool(tasks.length, task.concurrency ?? tasks.length, (i) => interp.runTask(tasks[i] as Task, frame));
  return {};
}

export async function runIf(interp: Interpreter, task: IfTask, frame: Frame): Promise<unknown> {
  const branch = truthy(renderTemplate(task.condition, frame.scope(), `${task.id}.condition`)) ? 'then' : 'else';
  const tasks = branch === 'then' ? task.then : task.else;
  if (tasks) await interp.runList(tasks, frame);
  return { branch };
}

export async function runSwitch(interp: Interpreter, task: SwitchTask, frame: Frame): Promise<unknown> {
  const value = renderTemplate(task.value, frame.scope(), `${task.id}.value`);
  const key = typeof value === 'string' ? value : JSON.stringify(value);
  const tasks = Object.hasOwn(task.cases, key) ? task.cases[key] : task.default;
  if (tasks) await interp.runList(tasks, frame);
  return { case: Object.hasOwn(task.cases, key) ? key : 'default' };
}

/** The failure a `fail` task ends with. */
export function flowFailed(task: FailTask, frame: Frame): TaskFailure {
  const message = String(renderTemplate(task.message, frame.scope(), `${task.id}.message`));
  return new TaskFailure(task.id, frame.iteration, { type: 'FlowFailed', message });
}

/** Truthiness of a control value: booleans as is; null, empty and zero are false. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined || value === '' || value === 0) return false;
  if (typeof value === 'string') return value.toLowerCase() !== 'false';
  return true;
}
