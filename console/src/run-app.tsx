// The run view for MCP Apps hosts (the `ui://weft/run` resource that get_run names): the
// console's run page inside the host's frame. Its data is the get_run result the host hands it;
// every action (reading the run again and its logs, answering an approval, cancelling) is a tool
// call the host forwards to Weft's MCP server. It never calls the JSON API: inside a host's sandbox it
// has no origin of its own and no key, and the host decides what a view may do.

import { App, applyDocumentTheme } from '@modelcontextprotocol/ext-apps';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './styles.css';
import type { ApprovalResult, CancelledRun, LogEntry, LogPage, Run, TaskRun } from '../../src/adapters/client/weft-client.js';
import { errorText } from './errors.js';
import { ENDED_STATES, type RunControls, RunDetails } from './pages/run-details.js';
import { RunLogs, type SearchRunLogs } from './pages/run-logs.js';
import { taskKey } from './pages/timeline.js';
import { REFRESH_MS } from './polling.js';

/** What the host hands the view (`ui/notifications/tool-result`) and what a tool call answers. */
type ToolResult = CallToolResult;

/** A tool's error result as an error with the code and hint Weft's error block carries. */
class ToolCallError extends Error {
  override readonly name = 'ToolCallError';
  constructor(
    message: string,
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function textBlocks(result: ToolResult): string[] {
  return (result.content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : []));
}

/** Weft's error results end with `{ "error": { code, message, hint } }` as JSON (mcp/tool-result.ts). */
function toolError(result: ToolResult): ToolCallError {
  const texts = textBlocks(result);
  try {
    const { error } = JSON.parse(texts.at(-1) ?? '') as { error?: { code?: string; message?: string; hint?: string } };
    if (error?.message) return new ToolCallError(error.message, error.code, error.hint);
  } catch {
    // Not Weft's error block (a host's own refusal): its text is all there is.
  }
  return new ToolCallError(texts.join(' ') || 'the tool call failed');
}

const app = new App({ name: 'weft-run-view', version: '1' }, {});

/** A successful result's structured content; from its first text block, which Weft makes the same JSON, where a host passed only the text. */
function structuredOf<T>(result: ToolResult): T | undefined {
  if (result.isError) return undefined;
  if (result.structuredContent) return result.structuredContent as T;
  try {
    return JSON.parse(textBlocks(result)[0] ?? '') as T;
  } catch {
    return undefined;
  }
}

async function callTool<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const result = await app.callServerTool({ name, arguments: args });
  const value = structuredOf<T>(result);
  if (value === undefined) throw toolError(result);
  return value;
}

/**
 * Each call goes through the host and its transport, so a live run is read again no more often
 * than this per get_run page: a run of thousands of task runs is read every minute or so, not
 * every REFRESH_MS.
 */
const MS_PER_PAGE = 1000;

/** The run with its whole timeline, read in get_run's pages. */
async function readRun(runId: string): Promise<{ run: Run; tasks: TaskRun[]; pages: number }> {
  let cursor: string | undefined;
  let run: Run | undefined;
  let pages = 0;
  const tasks = new Map<string, TaskRun>();
  do {
    const page: Run = await callTool<Run>('get_run', { runId, detail: 'full', ...(cursor ? { cursor } : {}) });
    pages += 1;
    run ??= page;
    for (const task of page.tasks) tasks.set(taskKey(task), task);
    cursor = page.tasksShown?.nextCursor;
  } while (cursor);
  return { run: run as Run, tasks: [...tasks.values()], pages };
}

/** Log lines the view keeps, as the console's page does. */
const MAX_LOG_LINES = 5000;
/** Lines a query_logs page asks for: the last ones first, then what came after. */
const LOG_PAGE = 500;
/** Pages of new lines one refresh reads; a larger burst is caught up over the next refreshes. */
const LOG_PAGES_PER_READ = 4;

/** A run's log as the view follows it: the last lines, then each new page after its cursor. */
class LogFollower {
  entries: LogEntry[] = [];
  private cursor: string | undefined;

  constructor(readonly runId: string) {}

  /** Reads what came since the last read; returns the number of query_logs calls made. */
  async read(): Promise<number> {
    if (!this.cursor) {
      const page = await callTool<LogPage>('query_logs', { runId: this.runId, tail: LOG_PAGE });
      this.entries = page.entries;
      this.cursor = page.nextCursor;
      return 1;
    }
    let calls = 0;
    let more = true;
    while (more && calls < LOG_PAGES_PER_READ) {
      const page: LogPage = await callTool<LogPage>('query_logs', { runId: this.runId, cursor: this.cursor, limit: LOG_PAGE });
      calls += 1;
      if (page.entries.length) this.entries = [...this.entries, ...page.entries].slice(-MAX_LOG_LINES);
      this.cursor = page.nextCursor ?? this.cursor;
      more = page.truncated;
    }
    return calls;
  }
}

interface Shown {
  run?: Run;
  tasks: TaskRun[];
  logs: LogEntry[];
  error?: string;
  logError?: string;
}

function RunApp(props: { first: ToolResult }) {
  const initial = structuredOf<Run>(props.first);
  const [shown, setShown] = useState<Shown>(
    initial ? { run: initial, tasks: initial.tasks, logs: [] } : { tasks: [], logs: [], error: errorText(toolError(props.first)) },
  );
  const runId = shown.run?.runId;
  const canCall = app.getHostCapabilities()?.serverTools !== undefined;
  const follower = useRef<LogFollower | undefined>(undefined);

  /**
   * Reads the run, its whole timeline and its new log lines and shows them unless `current()` says
   * the view moved on meanwhile; answers the run and the number of tool calls it took.
   */
  const readAll = async (id: string, current: () => boolean = () => true): Promise<{ run: Run; calls: number }> => {
    if (follower.current?.runId !== id) follower.current = new LogFollower(id);
    const logs = follower.current;
    // A host or session that refuses query_logs still shows the run: the logs say why they are missing.
    const [read, logCalls] = await Promise.all([readRun(id), logs.read().catch((failure: unknown) => errorText(failure))]);
    if (!current()) return { run: read.run, calls: 0 };
    setShown({
      run: read.run,
      tasks: read.tasks,
      logs: logs.entries,
      ...(typeof logCalls === 'string' ? { logError: logCalls } : {}),
    });
    return { run: read.run, calls: read.pages + (typeof logCalls === 'number' ? logCalls : 1) };
  };

  const refresh = async () => {
    if (runId) await readAll(runId);
  };

  // The result the host handed over may be one page or one task's runs: the whole timeline is
  // read once, then again while the run is live, as the console's lists are (no event stream
  // reaches a view); its logs are followed at the same reads, never more often.
  useEffect(() => {
    if (!runId || !canCall) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const read = await readAll(runId, () => !stopped);
        if (stopped) return;
        if (!ENDED_STATES.has(read.run.state)) timer = setTimeout(load, Math.max(REFRESH_MS, read.calls * MS_PER_PAGE));
      } catch (failure) {
        if (stopped) return;
        setShown((s) => ({ ...s, error: errorText(failure) }));
        // A host or server that failed once may answer the next time: the view keeps trying.
        timer = setTimeout(load, REFRESH_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId, canCall]);

  if (!runId) return <p class="error">{shown.error}</p>;
  const controls: RunControls = {
    async respond(taskId, answer) {
      const result = await callTool<ApprovalResult>('respond_to_approval', { runId, taskId, ...answer });
      await refresh().catch(() => undefined);
      return result;
    },
    async cancel() {
      await callTool<CancelledRun>('cancel_run', { runId, reason: 'cancelled from the run view' });
      await refresh();
    },
    async taskOutput(task) {
      const view = await callTool<Run>('get_run', { runId, taskId: task.id, ...(task.iteration ? { iteration: task.iteration } : {}) });
      const out = view.taskOutput;
      return out?.text ?? JSON.stringify(out?.value ?? out?.note ?? null, null, 2);
    },
    async restart(fromTask) {
      const restarted = await callTool<{ runId: string }>('restart_run', { runId, ...(fromTask ? { fromTask } : {}) });
      // The view follows the new run, as the console's page navigates to it.
      await readAll(restarted.runId);
    },
    refresh,
    unanswerable() {
      if (!canCall) return 'This host does not let the view call tools: answer it in the Weft console or with weft run approve.';
      return undefined;
    },
    // The tool call alone never answers a person's approval: the server asks the host's user to
    // confirm the exact answer (elicitation), or refuses where the host cannot ask.
    approvalNote: (approval) =>
      approval.approvers === 'human' ? 'This approval waits for a person: you will be asked to confirm your answer before it is recorded.' : undefined,
  };
  const searchLogs: SearchRunLogs = (query) => callTool<LogPage>('query_logs', { runId, ...query });
  return (
    <RunDetails runId={runId} run={shown.run} tasks={shown.tasks} controls={controls} links={false} error={shown.error}>
      {canCall && <RunLogs runId={runId} entries={shown.logs} search={searchLogs} />}
      {shown.logError && <p class="error">{`logs: ${shown.logError}`}</p>}
    </RunDetails>
  );
}

const root = document.getElementById('app') as HTMLElement;
let results = 0;
app.ontoolresult = (result) => {
  // A later result (the assistant read the run again) starts the view afresh from it.
  results += 1;
  render(<RunApp key={results} first={result} />, root);
};
// The host's theme, not the system's: a dark host on a light system would frame a light page.
const followTheme = (theme: string | undefined) => {
  if (theme === 'light' || theme === 'dark') applyDocumentTheme(theme);
};
app.onhostcontextchanged = (context) => followTheme(context.theme);
app
  .connect()
  .then(() => followTheme(app.getHostContext()?.theme))
  .catch((failure: unknown) => render(<p class="error">{errorText(failure)}</p>, root));
