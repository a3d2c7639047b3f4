// Worker groups (flow-spec `queue`): which named queue each task's activity work goes to, and the
// Temporal task queue a named queue is. Pure and free of zod, because the workflow bundle imports it.

/** The queue name that means Weft's own task queue (`WEFT_TASK_QUEUE`), whatever the flow's default. */
export const DEFAULT_QUEUE = 'default';

/** A queue name: letters, digits, `_`, `.` and `-`, at most 64, starting with a letter or digit. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The fields of built-in container types that hold task lists (`lists`) and maps of task lists
 * (`maps`), as their descriptors declare them (a test holds the two together). Written out here
 * because the descriptors bring zod, which the workflow bundle leaves out.
 */
export const NESTED_TASK_FIELDS: Readonly<Record<string, { lists: readonly string[]; maps: readonly string[] }>> = {
  sequence: { lists: ['tasks'], maps: [] },
  parallel: { lists: ['tasks'], maps: [] },
  if: { lists: ['then', 'else'], maps: [] },
  switch: { lists: ['default'], maps: ['cases'] },
  foreach: { lists: ['tasks'], maps: [] },
};

/**
 * The Temporal task queue of a named queue: `<base>/<name>`, where `base` is Weft's configured
 * task queue (`weft` by default), so deployments on separate task queues keep separate groups.
 * `default` is `base` itself.
 */
export function namedTaskQueue(base: string, queue: string): string {
  return queue === DEFAULT_QUEUE ? base : `${base}/${queue}`;
}

/** The queue name of a Temporal task queue under `base` (`weft/gpu` -> `gpu`), or undefined for `base` and others. */
export function queueNameOf(base: string, taskQueue: string): string | undefined {
  const prefix = `${base}/`;
  return taskQueue.startsWith(prefix) && taskQueue.length > prefix.length ? taskQueue.slice(prefix.length) : undefined;
}

interface QueueFlow {
  queue?: string | undefined;
  tasks: readonly unknown[];
  errors?: readonly unknown[] | undefined;
  finally?: readonly unknown[] | undefined;
}

/**
 * The named queue of every task that is not on the default queue, by task id (ids are unique in
 * a flow, nested ones too): its own `queue`, else the nearest enclosing container's, else the
 * flow's. Tasks that run no activity are listed too; nothing asks for theirs.
 */
export function taskQueues(flow: QueueFlow): Map<string, string> {
  const queues = new Map<string, string>();
  const walk = (list: readonly unknown[] | undefined, inherited: string | undefined): void => {
    for (const raw of list ?? []) {
      if (raw === null || typeof raw !== 'object') continue;
      const task = raw as Record<string, unknown>;
      const own = typeof task.queue === 'string' ? task.queue : inherited;
      if (typeof task.id === 'string' && own !== undefined && own !== DEFAULT_QUEUE) queues.set(task.id, own);
      const nested = NESTED_TASK_FIELDS[String(task.type)];
      if (!nested) continue;
      for (const field of nested.lists) if (Array.isArray(task[field])) walk(task[field] as unknown[], own);
      for (const field of nested.maps) {
        const map = task[field];
        if (map && typeof map === 'object') for (const value of Object.values(map)) if (Array.isArray(value)) walk(value, own);
      }
    }
  };
  for (const list of [flow.tasks, flow.errors, flow.finally]) walk(list, flow.queue);
  return queues;
}
