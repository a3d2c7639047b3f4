// A run's page in the console: the run read through the JSON API and kept live from its event
// stream until it ends (the whole timeline is read in pages once, then kept current by `task`
// events), shown by RunDetails with the logs below; its actions are API calls.

import { useEffect, useState } from 'preact/hooks';
import type { LogEntry, Run, TaskRun } from '../../../src/adapters/client/weft-client.js';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { type RunControls, RunDetails } from './run-details.js';
import { RunLogs } from './run-logs.js';
import { taskKey } from './timeline.js';

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

  const controls: RunControls = {
    respond: (taskId, answer) => api().respondToApproval(runId, taskId, answer),
    async cancel() {
      await api().cancelRun(runId, { reason: 'cancelled from the console' });
    },
    async taskOutput(task) {
      const view = await api().getRun(runId, { taskId: task.id, ...(task.iteration ? { iteration: task.iteration } : {}) });
      const out = view.taskOutput;
      return out?.text ?? JSON.stringify(out?.value ?? out?.note ?? null, null, 2);
    },
    async restart(fromTask) {
      const restarted = await api().restartRun(runId, fromTask ? { fromTask } : {});
      navigate(`/runs/${encodeURIComponent(restarted.runId)}`);
    },
  };

  return (
    <RunDetails runId={runId} run={live.run} tasks={[...live.tasks.values()]} controls={controls} links={true} error={error}>
      <RunLogs runId={runId} entries={live.logs} search={(query, signal) => api().getRunLogs(runId, query, { signal })} />
    </RunDetails>
  );
}
