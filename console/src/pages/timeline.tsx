// A run's task timeline, windowed: only the rows in view (and a few around them) are in the DOM,
// so a run of thousands of task runs scrolls and updates as fast as one of ten.

import { useState } from 'preact/hooks';
import type { TaskRun } from '../../../src/adapters/client/weft-client.js';
import { formatDuration } from '../time.js';

const ROW_PX = 30;
const VIEW_PX = 420;
const OVERSCAN = 10;

/** A task run's key: its id and foreach iteration (`each.note[3]`). */
export function taskKey(task: Pick<TaskRun, 'id' | 'iteration'>): string {
  return task.iteration ? `${task.id}[${task.iteration.join(',')}]` : task.id;
}

export function Timeline(props: { tasks: readonly TaskRun[]; onShowOutput(task: TaskRun): void }) {
  const [top, setTop] = useState(0);
  const { tasks } = props;
  const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
  const last = Math.min(tasks.length, Math.ceil((top + VIEW_PX) / ROW_PX) + OVERSCAN);
  return (
    <div class="timeline" onScroll={(e) => setTop((e.target as HTMLElement).scrollTop)}>
      <ul class="timeline-space" aria-label="task runs" ref={(el) => el?.style.setProperty('height', `${tasks.length * ROW_PX}px`)}>
        {tasks.slice(first, last).map((task, i) => (
          <li
            key={taskKey(task)}
            class="task-row"
            data-state={task.state}
            data-task={taskKey(task)}
            ref={(el) => el?.style.setProperty('transform', `translateY(${(first + i) * ROW_PX}px)`)}
          >
            <span class="task-id">
              {task.iteration ? '  '.repeat(task.iteration.length) : ''}
              {taskKey(task)}
            </span>
            <span class="task-type">{task.type}</span>
            <span class={`state state-${task.state}`}>{task.state}</span>
            <span class="task-attempts">{task.attempts > 1 ? `${task.attempts} attempts` : ''}</span>
            <span class="task-duration">{formatDuration(task.durationMs)}</span>
            <span class="task-note" title={task.error?.message}>
              {task.error ? `${task.error.type}: ${task.error.message}` : task.progress ? `${task.progress.done}/${task.progress.total}` : ''}
            </span>
            {(task.state === 'COMPLETED' || task.state === 'CACHED') && (
              <button type="button" class="link" onClick={() => props.onShowOutput(task)}>
                output
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
