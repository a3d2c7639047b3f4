// Resources: the authoring guide, flow sources, run details and run logs. Everything here is
// also reachable through tools, since many clients never read resources. Resources keep the
// tools' budgets: what does not fit is cut, and the resource says which tool pages the rest.

import { readFile } from 'node:fs/promises';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { projectPath } from '../src/services/config/paths.js';
import type { RunDetail } from '../src/services/run-service.js';
import { auditedRead } from './access.js';
import {
  cutText,
  FLOW_SOURCE_BYTES,
  fitObject,
  INPUTS_BUDGET_BYTES,
  LOG_MESSAGE_BYTES,
  LOG_PAGE_BYTES,
  OUTPUTS_BUDGET_BYTES,
  STRUCTURED_BUDGET_BYTES,
} from './budget.js';
import { readOrNotFound } from './protocol-errors.js';
import { approvalView, boundedOutputs, runErrorView, summaryTimeline, type TaskRunView } from './run-view.js';
import type { ToolContext } from './tool-registry.js';
import { checkFlowRefAccess } from './tools/flow-tools.js';
import { checkRunAccess } from './tools/run-tools.js';

const FLOW_GUIDE = projectPath('docs', 'flows.md');
/** The URI templates of Weft's resources (completion/complete names them in `ref.uri`). */
export const RESOURCE_TEMPLATES = {
  flow: 'weft://flows/{namespace}/{id}',
  run: 'weft://runs/{runId}',
  runLogs: 'weft://runs/{runId}/logs',
} as const;
/** Most log lines one logs resource holds; query_logs pages through any number. */
const RESOURCE_LOG_LINES = 1000;

export function registerResources(server: McpServer, ctx: ToolContext): void {
  server.registerResource(
    'flow-spec',
    'weft://docs/flow-spec',
    { title: 'Writing Weft flows', description: 'The authoring guide: document, task types, expressions, examples', mimeType: 'text/markdown' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: await readFile(FLOW_GUIDE, 'utf8') }] }),
  );
  server.registerResource(
    'flow',
    new ResourceTemplate(RESOURCE_TEMPLATES.flow, { list: undefined }),
    {
      title: 'Flow source',
      description: `A saved flow’s latest source (YAML or JSON as saved), ${FLOW_SOURCE_BYTES} bytes a read; a longer one ends with a comment naming the URI (?offset=N) of the rest`,
      mimeType: 'application/yaml',
    },
    async (uri, { namespace, id }) => {
      // `{id}` takes the query too: the offset of a later part is read from the URI itself.
      const ref = `${namespace}/${String(id).split('?')[0]}`;
      await auditedRead(ctx.access, 'resource:weft://flows', { flow: ref }, async () => checkFlowRefAccess(ref, ctx.access));
      const flow = await readOrNotFound(uri, () => ctx.services.flows.get(ref));
      return { contents: [{ uri: uri.href, mimeType: 'application/yaml', ...flowPart(ref, flow.yaml, sourceOffset(uri)) }] };
    },
  );
  server.registerResource(
    'run',
    new ResourceTemplate(RESOURCE_TEMPLATES.run, { list: undefined }),
    {
      title: 'Run',
      description: 'A run: state, inputs, outputs, timeline, approvals (JSON), within get_run’s budgets; `more` says which tool pages what was cut',
      mimeType: 'application/json',
    },
    async (uri, { runId }) => {
      const detail = await readOrNotFound(uri, async () => {
        const checked = await auditedRead(ctx.access, 'resource:weft://runs', { runId }, () => checkRunAccess(String(runId), ctx));
        return checked ?? (await ctx.services.runs.get(String(runId)));
      });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: runText(detail, ctx.services.runs.uiUrl(detail.runId)) }] };
    },
  );
  server.registerResource(
    'run-logs',
    new ResourceTemplate(RESOURCE_TEMPLATES.runLogs, { list: undefined }),
    {
      title: 'Run logs',
      description: `A run’s last log lines as text (at most ${RESOURCE_LOG_LINES}, ${LOG_PAGE_BYTES} bytes); query_logs pages through all`,
      mimeType: 'text/plain',
    },
    async (uri, { runId }) => {
      await auditedRead(ctx.access, 'resource:weft://runs/logs', { runId }, () => checkRunAccess(String(runId), ctx));
      // One line more than shown tells whether earlier lines exist.
      const page = await ctx.services.logs.query({
        runId: String(runId),
        tail: RESOURCE_LOG_LINES + 1,
        maxBytes: LOG_PAGE_BYTES,
        maxMessageBytes: LOG_MESSAGE_BYTES,
      });
      // No line at all: a run that does not exist is an unknown resource (-32002), not an empty log.
      if (page.entries.length === 0) await readOrNotFound(uri, () => ctx.services.runs.get(String(runId)));
      const earlier = page.truncated || page.entries.length > RESOURCE_LOG_LINES;
      const entries = page.entries.length > RESOURCE_LOG_LINES ? page.entries.slice(1) : page.entries;
      const lines = entries.map(
        (e) => `${e.ts} ${e.level.toUpperCase().padEnd(5)} ${e.taskId}${e.iteration ? `[${e.iteration.join(',')}]` : ''}: ${e.message}`,
      );
      const header = earlier
        ? [
            `[the last ${entries.length} log lines; earlier ones: query_logs with runId "${runId}" (its first page has no cursor; each page's nextCursor reads on)${page.nextCursor ? `; lines after these: query_logs with cursor "${page.nextCursor}"` : ''}]`,
          ]
        : [];
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: [...header, ...lines].join('\n') }] };
    },
  );
}

/** The `offset` query parameter of a flow resource URI (0 when absent). */
function sourceOffset(uri: URL): number {
  const text = uri.searchParams.get('offset') ?? '0';
  const offset = Number(text);
  return Number.isInteger(offset) && offset >= 0 ? offset : 0;
}

/** One part of a flow's source from `offset` (in bytes); a cut part ends with a comment naming the next URI. */
function flowPart(ref: string, source: string, offset: number): { text: string; _meta?: Record<string, unknown> } {
  const bytes = Buffer.from(source, 'utf8');
  const rest = bytes.subarray(Math.min(offset, bytes.length)).toString('utf8');
  const part = cutText(rest, FLOW_SOURCE_BYTES);
  if (!part.truncated && offset === 0) return { text: source };
  const end = Math.min(offset, bytes.length) + Buffer.byteLength(part.text, 'utf8');
  const next = end < bytes.length ? `weft://flows/${ref}?offset=${end}` : undefined;
  const note = `# [bytes ${offset}-${end} of ${bytes.length} of this flow's source${next ? `; the rest: read ${next}` : ''}]`;
  return {
    text: `${part.text}${part.text.endsWith('\n') ? '' : '\n'}${note}\n`,
    _meta: { offset, end, totalBytes: bytes.length, ...(next ? { next } : {}) },
  };
}

/**
 * A run as get_run shows it: inputs and outputs cut to their budgets, the summary timeline, and
 * `more` naming the tool calls that page what was left out. The whole stays within the budget
 * of a tool's structured content.
 */
export function runText(detail: RunDetail, uiUrl: string): string {
  const { inputs, outputs, tasks: all, approvals, error, ...rest } = detail;
  const fittedInputs = fitObject(inputs, INPUTS_BUDGET_BYTES);
  const fittedOutputs = boundedOutputs(outputs);
  // Fields added to a run's detail later (the outputs of a failed run's tasks) get the outputs' budget.
  const fittedRest = fitObject(rest as Record<string, unknown>, OUTPUTS_BUDGET_BYTES);
  const timeline = summaryTimeline(all);
  const render = (tasks: TaskRunView[]): string => {
    const more: string[] = [];
    if (tasks.length < all.length) {
      more.push(
        `the timeline shows ${tasks.length} of ${all.length} task runs: get_run with { runId: "${detail.runId}", detail: "full" } pages through all (cursor: tasksShown.nextCursor)`,
      );
    }
    if (fittedOutputs.cut || fittedRest.truncated) {
      more.push(
        `outputs were cut to a budget: get_run with { runId: "${detail.runId}", taskId } pages one task's output in full (cursor: taskOutput.nextCursor)`,
      );
    }
    if (fittedInputs.truncated) more.push(`inputs were cut to a budget: \`weft run get ${detail.runId} --json\` prints them whole`);
    const view = {
      ...fittedRest.value,
      inputs: fittedInputs.value,
      ...(fittedInputs.truncated ? { inputsTruncated: true } : {}),
      ...(fittedOutputs.outputs ? { outputs: fittedOutputs.outputs } : {}),
      ...(fittedOutputs.cut ? { outputsTruncated: true } : {}),
      ...(error ? { error: runErrorView(detail) } : {}),
      tasks,
      ...(tasks.length < all.length ? { tasksShown: { shown: tasks.length, total: all.length } } : {}),
      approvals: approvals.map(approvalView),
      uiUrl,
      ...(more.length ? { more } : {}),
    };
    return JSON.stringify(view, null, 2);
  };
  let tasks = timeline.tasks;
  let text = render(tasks);
  // Long task errors or approval forms can still overflow: show fewer task runs until it fits.
  while (Buffer.byteLength(text, 'utf8') > STRUCTURED_BUDGET_BYTES && tasks.length > 0) {
    tasks = tasks.slice(Math.ceil(tasks.length / 2));
    text = render(tasks);
  }
  return text;
}
