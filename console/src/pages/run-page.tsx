// A run's page: its header, the task timeline live from the run's event stream until it ends
// (the whole timeline is read in pages once, then kept current by `task` events), pending
// approvals as forms, cancel, restart from a chosen task, and the logs.

import { useEffect, useState } from 'preact/hooks';
import type { LogEntry, Run, TaskRun } from '../../../src/adapters/client/weft-client.js';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { formatTime } from '../time.js';
import { ApprovalForm } from './approval-form.js';
import { RunLogs } from './run-logs.js';
import { Timeline, taskKey } from './timeline.js';

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'TERMINATED']);
/** Log lines kept in the page. */
const MAX_LOG_LINES = 5000;

interface Live {
  run?: Run;
  tasks: Map<string, TaskRun>;
  logs: LogEntry[];
  version: number;
}

export function RunPage(props: { runId: string; onAuthError(error: unknown): void }) {
  const { runId } = props;
  const [live, setLive] = useState<Live>({ tasks: new Map(), logs: [], version: 0 });
  const [error, setError] = useState<string>();
  const [output, setOutput] = useState<string>();
  const [fromTask, setFromTask] = useState('');
  const [note, setNote] = useState<string>();

  useEffect(() => {
    const controller = new AbortController();
    const state: Live = { tasks: new Map(), logs: [], version: 0 };
    let scheduled = false;
    // Many events in one frame are drawn once.
    const redraw = () => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        state.version += 1;
        setLive({ ...state });
      });
    };
    const refreshRun = async () => {
      state.run = await api().getRun(runId, {}, { signal: controller.signal });
      redraw();
    };
    const loadTimeline = async () => {
      let cursor: string | undefined;
      do {
        const page = await api().getRun(runId, { detail: 'full', ...(cursor ? { cursor } : {}) }, { signal: controller.signal });
        // An event that came meanwhile is as new as the page or newer: it stays.
        for (const task of page.tasks) if (!state.tasks.has(taskKey(task))) state.tasks.set(taskKey(task), task);
        redraw();
        cursor = page.tasksShown?.nextCursor;
      } while (cursor && !controller.signal.aborted);
    };
    const follow = async () => {
      let timeline: Promise<void> | undefined;
      for await (const event of api().runEvents(runId, { signal: controller.signal })) {
        if (event.type === 'run') {
          if (!timeline) {
            state.run = event.run as Run;
            timeline = loadTimeline();
          } else {
            // A state change: the header, approvals and outputs as they are now.
            state.run = { ...(state.run as Run), ...event.run };
            void refreshRun().catch(() => undefined);
          }
        } else if (event.type === 'task') state.tasks.set(taskKey(event.task), event.task);
        else if (event.type === 'log') {
          state.logs.push(event.entry);
          if (state.logs.length > MAX_LOG_LINES) state.logs.splice(0, state.logs.length - MAX_LOG_LINES);
        }
        redraw();
      }
      await timeline;
      await refreshRun();
    };
    follow().catch((failure) => {
      if (controller.signal.aborted) return;
      setError(errorText(failure));
      props.onAuthError(failure);
    });
    return () => controller.abort();
  }, [runId]);

  const { run } = live;
  const tasks = [...live.tasks.values()];
  const topTasks = [...new Set(tasks.filter((t) => !t.iteration).map((t) => t.id))];

  const cancel = async () => {
    try {
      await api().cancelRun(runId, { reason: 'cancelled from the console' });
      setNote('cancel requested');
    } catch (failure) {
      setNote(errorText(failure));
    }
  };
  const restart = async () => {
    try {
      const restarted = await api().restartRun(runId, fromTask ? { fromTask } : {});
      navigate(`/runs/${encodeURIComponent(restarted.runId)}`);
    } catch (failure) {
      setNote(errorText(failure));
    }
  };
  const showOutput = async (task: TaskRun) => {
    try {
      const view = await api().getRun(runId, { taskId: task.id, ...(task.iteration ? { iteration: task.iteration } : {}) });
      const out = view.taskOutput;
      setOutput(`${taskKey(task)}: ${out?.text ?? JSON.stringify(out?.value ?? out?.note ?? null, null, 2)}`);
    } catch (failure) {
      setOutput(errorText(failure));
    }
  };

  return (
    <section class="run-page">
      <h1>
        Run <code>{runId}</code>
      </h1>
      {error && <p class="error">{error}</p>}
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
            <a href={`/flows/${run.flow}`}>{run.flow}</a> revision {run.revision}
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
          {run.restartOf && (
            <dd>
              <a href={`/runs/${encodeURIComponent(run.restartOf)}`}>{run.restartOf}</a>
            </dd>
          )}
        </dl>
      )}
      {run && (
        <div class="actions">
          {!ENDED.has(run.state) && (
            <button type="button" class="danger" onClick={cancel}>
              Cancel run
            </button>
          )}
          {ENDED.has(run.state) && (
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
              <button type="button" onClick={restart}>
                Restart
              </button>
            </>
          )}
          {note && <span class="muted">{note}</span>}
        </div>
      )}
      {run?.approvals.map((approval) => (
        <ApprovalForm
          key={`${approval.taskId}${approval.iteration?.join(',') ?? ''}`}
          runId={runId}
          approval={approval}
          onAnswered={() => setNote('answered')}
        />
      ))}
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
      <RunLogs entries={live.logs} />
    </section>
  );
}
