// Where a restart restarts and which task runs come before that point (flow-spec.md, Restart):
// in the flow's order, except that other `parallel` branches and other `foreach` iterations of
// the point count as before it (each one that completed is reused). Pure: no I/O.

import { iterationOfKey, taskIdOfKey } from '../../core/runs/restart-digest.js';
import type { TaskRunRecord } from '../../core/runs/run-types.js';
import type { FlowSpec, Task } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import { closest } from '../../core/spec/suggest.js';
import { RestartBranchNotRunError, RestartPointRequiredError, UnknownRestartTaskError } from './restart-errors.js';

/** The task (and foreach iteration) from which a restarted run runs tasks again. */
export interface RestartPoint {
  taskId: string;
  iteration?: number[];
}

/** A task's place in its flow: pre-order position, whether it is in `tasks` (not `errors`/`finally`), its enclosing tasks. */
interface Place {
  task: Task;
  order: number;
  main: boolean;
  /** Enclosing tasks, outermost first. */
  ancestors: Task[];
}

/** Every task of a flow by id, with its place. */
export function taskPlaces(flow: FlowSpec): Map<string, Place> {
  const byPath = new Map<string, Task>();
  const places = new Map<string, Place>();
  let order = 0;
  for (const { task, path } of flowTasks(flow)) {
    byPath.set(path, task);
    const ancestors: Task[] = [];
    for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) {
      const enclosing = byPath.get(path.slice(0, i));
      if (enclosing) ancestors.push(enclosing);
    }
    places.set(task.id, { task, order: order++, main: path.startsWith('tasks['), ancestors });
  }
  return places;
}

/** What the restart point is chosen from: the original run as the run service shows it. */
export interface RestartedRun {
  runId: string;
  state: string;
  tasks: readonly TaskRunRecord[];
  error?: { taskId?: string; iteration?: number[] };
}

/**
 * The restart point: `fromTask` when given (checked against the flow that runs and the run),
 * else the run's failed task; undefined when the run failed after its last task (its outputs).
 */
export function choosePoint(flow: FlowSpec, places: Map<string, Place>, run: RestartedRun, fromTask: string | undefined): RestartPoint | undefined {
  if (fromTask !== undefined) {
    const place = places.get(fromTask);
    if (!place) throw new UnknownRestartTaskError(fromTask, `${flow.namespace}/${flow.id}`, closest(fromTask, places.keys()), [...places.keys()]);
    if (!run.tasks.some((t) => t.id === fromTask)) {
      // A branch the run took holds a task run of its `if`/`switch`, but none of this task.
      for (const ancestor of [...place.ancestors].reverse()) {
        if ((ancestor.type === 'if' || ancestor.type === 'switch') && run.tasks.some((t) => t.id === ancestor.id && t.state === 'COMPLETED')) {
          throw new RestartBranchNotRunError(run.runId, fromTask, ancestor.id);
        }
      }
    }
    return { taskId: fromTask };
  }
  const failed = run.error?.taskId;
  if (failed === undefined) throw new RestartPointRequiredError(run.runId, run.state, [...places.keys()]);
  // A failure outside every task ("(outputs)", "(run)") restarts after the last task.
  if (!places.has(failed)) return undefined;
  return { taskId: failed, ...(run.error?.iteration ? { iteration: run.error.iteration } : {}) };
}

/** Whether the task run under `key` comes before the restart point (only tasks of `tasks` can). */
export function beforePoint(places: Map<string, Place>, key: string, point: RestartPoint | undefined): boolean {
  const taskId = taskIdOfKey(key);
  const place = places.get(taskId);
  if (!place?.main) return false;
  if (!point) return true;
  const target = places.get(point.taskId);
  if (!target) return false;
  const iteration = iterationOfKey(key);
  if (taskId === point.taskId) return differentIteration(place.ancestors, iteration, point.iteration);
  const common = place.ancestors.filter((a) => target.ancestors.includes(a));
  if (common.at(-1)?.type === 'parallel') return true;
  if (differentIteration(common, iteration, point.iteration)) return true;
  return place.order < target.order;
}

/** Whether two iteration paths differ at a `foreach` both run under (levels count foreach tasks, outermost first). */
function differentIteration(common: readonly Task[], a: number[] | undefined, b: number[] | undefined): boolean {
  if (!a || !b) return false;
  let level = 0;
  for (const task of common) {
    if (task.type !== 'foreach') continue;
    if (a[level] !== b[level]) return true;
    level++;
  }
  return false;
}
