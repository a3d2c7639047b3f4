// A run's logs: the last entries, then each new one from the run's event stream; search and
// level filter on what is shown; follow keeps the newest in view.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogEntry } from '../../../src/adapters/client/weft-client.js';

const LEVELS = ['debug', 'info', 'warn', 'error'];

export function RunLogs(props: { entries: readonly LogEntry[] }) {
  const [search, setSearch] = useState('');
  const [level, setLevel] = useState('debug');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const minimum = LEVELS.indexOf(level);
  const needle = search.toLowerCase();
  const shown = props.entries.filter(
    (e) => LEVELS.indexOf(e.level) >= minimum && (!needle || e.message.toLowerCase().includes(needle) || e.taskId.toLowerCase().includes(needle)),
  );
  // Only the last lines are drawn: a run of thousands of lines stays quick.
  const drawn = shown.slice(-500);
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  });
  return (
    <section class="logs">
      <h2>Logs</h2>
      <div class="filters">
        <label>
          Search <input name="log-search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Level{' '}
          <select name="log-level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
            {LEVELS.map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" name="log-follow" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> follow
        </label>
      </div>
      <div class="log-lines" ref={box} role="log" aria-label="log lines">
        {drawn.map((e, i) => (
          <div key={`${e.ts}-${i}`} class={`log-line level-${e.level}`}>
            <time>{e.ts.slice(11, 23)}</time> <span class="log-level">{e.level}</span> <span class="log-task">{e.taskId}</span> {e.message}
          </div>
        ))}
      </div>
      {shown.length > drawn.length && (
        <p class="muted">
          showing the last {drawn.length} of {shown.length} lines
        </p>
      )}
    </section>
  );
}
