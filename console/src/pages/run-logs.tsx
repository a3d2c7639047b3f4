// A run's logs: the last entries, then each new one as the page learns of it (the console from
// the run's event stream, the MCP Apps view from query_logs); search and level filter on what is
// shown; follow keeps the newest in view. A search also asks the server, which searches the
// run's whole log (the page keeps only its last lines), through whatever `search` each surface gives.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogEntry, LogPage, RunLogsQuery } from '../../../src/adapters/client/weft-client.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** Matches the server returns for one search. */
const SERVER_MATCHES = 500;
/** Typing pauses this long before the server is asked. */
const SEARCH_DELAY_MS = 300;

/** Lines the server found for a search (full-text words, over the run's whole log). */
interface ServerMatches {
  search: string;
  level: string;
  entries: LogEntry[];
  more: boolean;
}

/** Asks the server for the run's lines matching `query` (the JSON API, or a tool call through a host). */
export type SearchRunLogs = (query: Pick<RunLogsQuery, 'contains' | 'level' | 'limit'>, signal: AbortSignal) => Promise<LogPage>;

export function RunLogs(props: { runId: string; entries: readonly LogEntry[]; search: SearchRunLogs }) {
  const [search, setSearch] = useState('');
  const [level, setLevel] = useState<(typeof LEVELS)[number]>('debug');
  const [follow, setFollow] = useState(true);
  const [server, setServer] = useState<ServerMatches>();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const words = search.trim();
    if (!words) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      props
        .search({ contains: words, level, limit: SERVER_MATCHES }, controller.signal)
        .then((page) => setServer({ search, level, entries: page.entries, more: page.truncated || page.nextCursor !== undefined }))
        .catch(() => undefined);
    }, SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [props.runId, search, level]);
  const minimum = LEVELS.indexOf(level);
  const needle = search.toLowerCase();
  const local = props.entries.filter(
    (e) =>
      LEVELS.indexOf(e.level as (typeof LEVELS)[number]) >= minimum &&
      (!needle || e.message.toLowerCase().includes(needle) || e.taskId.toLowerCase().includes(needle)),
  );
  const fromServer = needle && server?.search === search && server.level === level ? server : undefined;
  const shown = fromServer ? mergeByTime(fromServer.entries, local) : local;
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
          <select name="log-level" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value as (typeof LEVELS)[number])}>
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
      {fromServer && (
        <p class="muted" data-server-matches={fromServer.entries.length}>
          {fromServer.entries.length}
          {fromServer.more ? '+' : ''} lines of the whole run match the words (searched on the server)
        </p>
      )}
    </section>
  );
}

/** The server's matches and the page's own, once each, oldest first. */
function mergeByTime(found: readonly LogEntry[], local: readonly LogEntry[]): LogEntry[] {
  const seen = new Set<string>();
  const out: LogEntry[] = [];
  for (const entry of [...found, ...local]) {
    const key = `${entry.ts}|${entry.taskId}|${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out.sort((a, b) => a.ts.localeCompare(b.ts));
}
