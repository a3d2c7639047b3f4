// What a run's page shows, whatever keeps it current: the header, cancel and restart, pending
// approvals as forms, the task timeline, a task's output and the run's outputs. The console feeds
// it from the JSON API and the run's event stream; the MCP Apps run view from get_run results the
// host hands it, with every action a tool call through the host.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApprovalAnswer, ApprovalResult, Run, TaskRun } from '../../../src/adapters/client/weft-client.js';
import { errorText } from '../errors.js';
import { formatTime } from '../time.js';
import { ApprovalForm } from './approval-form.js';
import { Timeline, taskKey } from './timeline.js';

export const ENDED_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'TERMINATED']);

type Approval = Run['approvals'][number];

/** The actions of a run's page; each surface sends them its own way. */
export interface RunControls {
  respond(taskId: string, answer: ApprovalAnswer): Promise<ApprovalResult>;
  /** Resolves once the request to cancel was taken (the run may still run its `finally` tasks). */
  cancel(): Promise<void>;
  /** One task run's output as text. */
  taskOutput(task: TaskRun): Promise<string>;
  /** Restarts the ended run from `fromTask` (empty: from its failed task). Absent: no restart offered. */
  restart?(fromTask: string): Promise<void>;
  /** Reads the run again. Absent where an event stream keeps the page current. */
  refresh?(): Promise<void>;
  /**
   * Why this surface cannot answer an approval, shown in place of its form; undefined when it can.
   */
  unanswerable?(approval: Approval): string | undefined;
  /** A line shown in an approval's form: what answering it here involves. */
  approvalNote?(approval: Approval): string | undefined;
}

export function RunDetails(props: {
  runId: string;
  run: Run | undefined;
  tasks: readonly TaskRun[];
  controls: RunControls;
  /** Whether flows and runs are links to the console's pages (not inside a host's frame). */
  links: boolean;
  error?: string;
  children?: ComponentChildren;
}) {
  const { runId, run, tasks, controls } = props;
  const [output, setOutput] = useState<string>();
  const [fromTask, setFromTask] = useState('');
  const [note, setNote] = useState<string>();
  const topTasks = [...new Set(tasks.filter((t) => !t.iteration).map((t) => t.id))];

  const act = async (action: () => Promise<void>, done?: string) => {
    try {
      await action();
      if (done) setNote(done);
    } catch (failure) {
      setNote(errorText(failure));
    }
  };
  const showOutput = async (task: TaskRun) => {
    try {
      setOutput(`${taskKey(task)}: ${await controls.taskOutput(task)}`);
    } catch (failure) {
      setOutput(errorText(failure));
    }
  };
  const { restart, refresh, unanswerable } = controls;

  return (
    <section class="run-page">
      <h1>
        Run <code>{runId}</code>
      </h1>
      {props.error && <p class="error">{props.error}</p>}
      {run && (
        <dl class="run-header">
          <dt>State</dt>
          <dd>
            <span class={`state state-${run.state}`} data-run-state={run.state}>
              {run.state}
            </span>
          </dd>
          <dt>Flow</dt>
          <dd>
            {props.links ? <a href={`/flows/${run.flow}`}>{run.flow}</a> : <code>{run.flow}</code>} revision {run.revision}
          </dd>
          <dt>Started</dt>
          <dd>{formatTime(run.startedAt)}</dd>
          {run.endedAt && <dt>Ended</dt>}
          {run.endedAt && <dd>{formatTime(run.endedAt)}</dd>}
          {run.error && <dt>Error</dt>}
          {run.error && <dd class="error">{`${run.error.taskId ? `${run.error.taskId}: ` : ''}${run.error.type}: ${run.error.message}`}</dd>}
          {run.usage && <dt>Usage</dt>}
          {run.usage && (
            <dd>{`${run.usage.inputTokens} in, ${run.usage.outputTokens} out${run.usage.costUsd !== undefined ? `, $${run.usage.costUsd.toFixed(4)}` : ''}`}</dd>
          )}
          {run.restartOf && <dt>Restart of</dt>}
          {run.restartOf && <dd>{props.links ? <a href={`/runs/${encodeURIComponent(run.restartOf)}`}>{run.restartOf}</a> : <code>{run.restartOf}</code>}</dd>}
        </dl>
      )}
      {run && (
        <div class="actions">
          {refresh && (
            <button type="button" onClick={() => act(refresh)}>
              Refresh
            </button>
          )}
          {!ENDED_STATES.has(run.state) && (
            <button type="button" class="danger" onClick={() => act(controls.cancel, 'cancel requested')}>
              Cancel run
            </button>
          )}
          {restart && ENDED_STATES.has(run.state) && (
            <>
              <label>
                Restart from{' '}
                <select name="from-task" value={fromTask} onChange={(e) => setFromTask((e.target as HTMLSelectElement).value)}>
                  <option value="">the failed task (default)</option>
                  {topTasks.map((id) => (
                    <option value={id}>{id}</option>
                  ))}
                </select>
              </label>
              <button type="button" onClick={() => act(() => restart(fromTask))}>
                Restart
              </button>
            </>
          )}
          {note && <span class="muted">{note}</span>}
        </div>
      )}
      {run?.approvals.map((approval) => {
        const key = `${approval.taskId}${approval.iteration?.join(',') ?? ''}`;
        const why = unanswerable?.(approval);
        return why ? (
          <section class="approval" key={key} aria-label={`approval ${approval.taskId}`}>
            <h3>Approval: {approval.taskId}</h3>
            <p>{approval.message}</p>
            <p class="muted">{why}</p>
          </section>
        ) : (
          <ApprovalForm
            key={key}
            approval={approval}
            note={controls.approvalNote?.(approval)}
            respond={controls.respond}
            onAnswered={() => setNote('answered')}
          />
        );
      })}
      <h2>
        Tasks <span class="muted">({tasks.length})</span>
      </h2>
      <Timeline tasks={tasks} onShowOutput={showOutput} />
      {output !== undefined && <pre class="output">{output}</pre>}
      {run?.outputs && (
        <>
          <h2>Outputs</h2>
          <pre class="output">{JSON.stringify(run.outputs, null, 2)}</pre>
        </>
      )}
      {props.children}
    </section>
  );
}
