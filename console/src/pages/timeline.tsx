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

/** One row of the timeline: a task run, or one tool call of an agent's, nested under it. */
type Row = { task: TaskRun; step?: undefined } | { task: TaskRun; step: NonNullable<TaskRun['steps']>[number] };

function rowsOf(tasks: readonly TaskRun[]): Row[] {
  const rows: Row[] = [];
  for (const task of tasks) {
    rows.push({ task });
    for (const step of task.steps ?? []) rows.push({ task, step });
  }
  return rows;
}

export function Timeline(props: { tasks: readonly TaskRun[]; onShowOutput(task: TaskRun): void }) {
  const [top, setTop] = useState(0);
  const rows = rowsOf(props.tasks);
  const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + VIEW_PX) / ROW_PX) + OVERSCAN);
  return (
    <div class="timeline" onScroll={(e) => setTop((e.target as HTMLElement).scrollTop)}>
      <ul class="timeline-space" aria-label="task runs" ref={(el) => el?.style.setProperty('height', `${rows.length * ROW_PX}px`)}>
        {rows.slice(first, last).map((row, i) => {
          const place = (el: HTMLElement | null) => el?.style.setProperty('transform', `translateY(${(first + i) * ROW_PX}px)`);
          return row.step ? (
            <StepRow key={`${taskKey(row.task)}.step${row.step.step}`} task={row.task} step={row.step} place={place} />
          ) : (
            <TaskRow key={taskKey(row.task)} task={row.task} place={place} onShowOutput={props.onShowOutput} />
          );
        })}
      </ul>
    </div>
  );
}

function TaskRow(props: { task: TaskRun; place(el: HTMLElement | null): void; onShowOutput(task: TaskRun): void }) {
  const { task } = props;
  return (
    <li class="task-row" data-state={task.state} data-task={taskKey(task)} ref={props.place}>
      <span class="task-id">
        {task.iteration ? '  '.repeat(task.iteration.length) : ''}
        {taskKey(task)}
      </span>
      <span class="task-type">{task.type}</span>
      <span class={`state state-${task.state}`}>{task.state}</span>
      <span class="task-attempts">{task.attempts > 1 ? `${task.attempts} attempts` : ''}</span>
      <span class="task-duration">{formatDuration(task.durationMs)}</span>
      <span class="task-note" title={task.error?.message}>
        {task.error
          ? `${task.error.type}: ${task.error.message}`
          : task.waitingFor
            ? `waiting for ${task.waitingFor}`
            : task.progress
              ? `${task.progress.done}/${task.progress.total}`
              : ''}
      </span>
      {(task.state === 'COMPLETED' || task.state === 'CACHED') && (
        <button type="button" class="link" onClick={() => props.onShowOutput(task)}>
          output
        </button>
      )}
    </li>
  );
}

/** A tool call of an agent task: its step number and tool, state and duration. */
function StepRow(props: { task: TaskRun; step: NonNullable<TaskRun['steps']>[number]; place(el: HTMLElement | null): void }) {
  const { step } = props;
  const ms = step.endedAt ? Date.parse(step.endedAt) - Date.parse(step.startedAt) : undefined;
  return (
    <li class="step-row" data-state={step.state} data-step={`${taskKey(props.task)}.${step.step}`} ref={props.place}>
      <span class="task-id">
        {'  '}step {step.step}
      </span>
      <span class="task-type">{step.tool}</span>
      <span class={`state state-${step.state}`}>{step.state}</span>
      <span class="task-attempts" />
      <span class="task-duration">{formatDuration(ms)}</span>
    </li>
  );
}
