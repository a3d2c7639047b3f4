// The runs list: filter by flow and state, refreshed every few seconds (the API has no event
// stream of the list; a run's own page is live), and keyboard-navigable: arrow keys move between
// rows, Enter opens one.

import { useRef, useState } from 'preact/hooks';
import type { RunList } from '../../../src/adapters/client/weft-client.js';
import { api, errorText } from '../api.js';
import { usePolling } from '../polling.js';
import { navigate } from '../router.js';
import { formatTime } from '../time.js';

const STATES = ['', 'QUEUED', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'TERMINATED'] as const;

export function RunsList(props: { onAuthError(error: unknown): void }) {
  const [flow, setFlow] = useState('');
  const [state, setState] = useState('');
  const [runs, setRuns] = useState<RunList['runs']>([]);
  const [error, setError] = useState<string>();
  const rows = useRef<HTMLTableSectionElement>(null);

  usePolling(
    async (current) => {
      try {
        const list = await api().listRuns({ ...(flow ? { flow } : {}), ...(state ? { state: state as never } : {}), limit: 100 });
        if (current()) {
          setRuns(list.runs);
          setError(undefined);
        }
      } catch (failure) {
        if (current()) setError(errorText(failure));
        props.onAuthError(failure);
      }
    },
    [flow, state],
  );

  const onKey = (event: KeyboardEvent) => {
    const row = (event.target as Element).closest('tr');
    if (!row) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = (event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
      next?.focus();
    } else if (event.key === 'Enter') {
      navigate(`/runs/${encodeURIComponent(row.dataset.runId ?? '')}`);
    }
  };

  return (
    <section>
      <h1>Runs</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Flow <input name="flow" placeholder="namespace/id" value={flow} onChange={(e) => setFlow((e.target as HTMLInputElement).value.trim())} />
        </label>
        <label>
          State{' '}
          <select name="state" value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            {STATES.map((s) => (
              <option value={s}>{s || 'any'}</option>
            ))}
          </select>
        </label>
      </form>
      {error && <p class="error">{error}</p>}
      <table class="runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Flow</th>
            <th>State</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody ref={rows} onKeyDown={onKey}>
          {runs.map((run) => (
            <tr key={run.runId} tabIndex={0} data-run-id={run.runId} class="run-row" onClick={() => navigate(`/runs/${encodeURIComponent(run.runId)}`)}>
              <td>
                <a href={`/runs/${encodeURIComponent(run.runId)}`} tabIndex={-1}>
                  {run.runId}
                </a>
              </td>
              <td>{run.flow}</td>
              <td>
                <span class={`state state-${run.state}`}>{run.state}</span>
              </td>
              <td>{formatTime(run.startedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.length === 0 && !error && <p class="muted">No runs.</p>}
    </section>
  );
}
