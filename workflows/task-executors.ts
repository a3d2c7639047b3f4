// The executor of every task type, in one map typed so that each executor receives its own task
// type, plus the executor of types registered from Weft modules. What the interpreter must know
// about a type (does it time itself, does it write lines of its own, can it end in place) is a
// property of its entry here, not a list of names kept elsewhere.

import { renderValue } from '../src/core/expressions/evaluate.js';
import type { TaskRunRecord } from '../src/core/runs/run-types.js';
import type { Task } from '../src/core/spec/flow-spec.js';
import { runAgent } from './agent-task.js';
import { runApproval } from './approval.js';
import { flowFailed, runIf, runParallel, runSequence, runSleep, runSwitch } from './control-tasks.js';
import { type CustomTask, runCustomTask } from './custom-task.js';
import { runForeach } from './foreach.js';
import type { Frame } from './frame.js';
import type { Interpreter } from './interpreter.js';
import { runHttp, runMcp, runScript, runSubflow, writeLog } from './io-tasks.js';
import { runLlm } from './llm-task.js';

/** How the interpreter runs one task type. */
export interface Executor<T> {
  /** Runs one attempt of the task; resolves to its output (undefined: no output). */
  // Properties, not methods: parameters of a property are checked strictly, so an entry cannot
  // take a wider or another task type than its key's.
  run: (interp: Interpreter, task: T, frame: Frame, record: TaskRunRecord, attempt: number) => Promise<unknown>;
  /**
   * The whole attempt, synchronously, for types with nothing to wait for: a task of one attempt
   * and no `timeout` ends in place (no promise, no microtask; see Interpreter.begin).
   */
  now?: (interp: Interpreter, task: T, frame: Frame) => unknown;
  /** The task enforces its own `timeout` (an activity per attempt, an approval's wait): no workflow timer. */
  selfTimed?: true;
  /** Its activity writes lines of its own, so the buffered events are written as it starts (time order). */
  ownLines?: true;
}

/** The task types of the flow spec. */
export type BuiltinTaskType = Task['type'];
type TaskByType = { [K in BuiltinTaskType]: Extract<Task, { type: K }> };
type ExecutorRegistry = { [K in BuiltinTaskType]: Executor<TaskByType[K]> };

/** An executor for a type that ends in place: its promise form serves retries and timeouts. */
function inPlace<T>(now: (interp: Interpreter, task: T, frame: Frame) => unknown): Executor<T> {
  return { now, run: async (interp, task, frame) => now(interp, task, frame) };
}

const EXECUTORS: ExecutorRegistry = {
  log: inPlace((interp, task, frame) => writeLog(interp.ctx, task, frame)),
  set: inPlace((_interp, task, frame) => renderValue(task.values, frame.scope(), `${task.id}.values`)),
  fail: inPlace((_interp, task, frame) => {
    throw flowFailed(task, frame);
  }),
  sleep: { run: (interp, task, frame, record) => runSleep(interp.ctx, task, frame, record) },
  // Not wrapped: the activity's promise is the task's promise (one promise fewer per request).
  http: { run: (interp, task, frame, record, attempt) => runHttp(interp.ctx, task, frame, attempt, record), selfTimed: true },
  script: { run: (interp, task, frame, record, attempt) => runScript(interp.ctx, task, frame, attempt, record), selfTimed: true, ownLines: true },
  llm: { run: (interp, task, frame, record, attempt) => runLlm(interp.ctx, task, frame, record, attempt), selfTimed: true, ownLines: true },
  mcp: { run: (interp, task, frame, record, attempt) => runMcp(interp.ctx, task, frame, attempt, record), selfTimed: true },
  // Not selfTimed: its `timeout` bounds the whole loop (model calls, tool calls, approvals).
  agent: { run: (interp, task, frame, record, attempt) => runAgent(interp.ctx, task, frame, record, attempt), ownLines: true },
  approval: { run: (interp, task, frame, record) => runApproval(interp.ctx, task, frame, record), selfTimed: true },
  subflow: { run: (interp, task, frame, record) => runSubflow(interp.ctx, task, frame, record) },
  sequence: { run: (interp, task, frame) => runSequence(interp, task, frame) },
  parallel: { run: (interp, task, frame) => runParallel(interp, task, frame) },
  if: { run: (interp, task, frame) => runIf(interp, task, frame) },
  switch: { run: (interp, task, frame) => runSwitch(interp, task, frame) },
  foreach: { run: (interp, task, frame, record) => runForeach(interp, task, frame, record) },
};

const CUSTOM_EXECUTOR: Executor<CustomTask> = {
  run: (interp, task, frame, record, attempt) => runCustomTask(interp.ctx, task, frame, attempt, record),
  ownLines: true,
};

/** What the interpreter reads of an entry besides calling it. */
export interface ExecutorTraits {
  readonly now?: unknown;
  readonly selfTimed?: true;
  readonly ownLines?: true;
}

/** The entry of a task's type, for its traits (run it through `runAttempt` and `runNow`). */
export function executorOf(task: Task): ExecutorTraits {
  return Object.hasOwn(EXECUTORS, task.type) ? EXECUTORS[task.type] : CUSTOM_EXECUTOR;
}

/** Runs one attempt with the executor of the task's type. */
export function runAttempt<K extends BuiltinTaskType>(
  interp: Interpreter,
  type: K,
  task: TaskByType[K],
  frame: Frame,
  record: TaskRunRecord,
  attempt: number,
): Promise<unknown> {
  if (!Object.hasOwn(EXECUTORS, type)) return CUSTOM_EXECUTOR.run(interp, task, frame, record, attempt);
  return EXECUTORS[type].run(interp, task, frame, record, attempt);
}

/** Ends a task of a type that ends in place (see `Executor.now`); returns its output. */
export function runNow<K extends BuiltinTaskType>(interp: Interpreter, type: K, task: TaskByType[K], frame: Frame): unknown {
  const now = EXECUTORS[type].now;
  if (!now) throw new Error(`task type ${type} does not end in place`);
  return now(interp, task, frame);
}
