// Tools for looking at runs: get_run (state, bounded timeline, outputs, pending approvals,
// bounded waiting) and query_logs (search and tail of run logs).

import { z } from 'zod';
import { RUN_STATES } from '../../src/core/runs/run-types.js';
import { TASK_PAGE_CURSOR } from '../../src/services/cursor.js';
import { LOG_LEVELS, MAX_LOG_PAGE } from '../../src/services/log-service.js';
import { fitObject, INPUTS_BUDGET_BYTES, LOG_MESSAGE_BYTES, LOG_PAGE_BYTES, OUTPUT_PAGE_BYTES } from '../budget.js';
import {
  ApprovalView,
  approvalView,
  boundedOutputs,
  FULL_TASK_PAGE,
  RunErrorView,
  runErrorView,
  runSummaryLine,
  summaryTimeline,
  TaskOutputView,
  TaskRunView,
  taskRunView,
} from '../run-view.js';
import { RUN_VIEW_META } from '../run-view-app.js';
import { defineTool, type ToolContext } from '../tool-registry.js';
import { AccessDeniedError } from './flow-tools.js';
import { checkRunAccess, waitOnRun } from './run-tools.js';
import { CursorField, FlowRefField, IterationField, limitField, RunIdField, TimeField, WaitSecondsField } from './tool-fields.js';

export const getRun = defineTool({
  name: 'get_run',
  title: 'Get a run',
  description: 'A run’s state, timeline, outputs, error, approvals; waitSeconds waits for its end; detail full: all tasks; taskId: one task.',
  input: {
    runId: RunIdField,
    waitSeconds: WaitSecondsField.optional(),
    detail: z.enum(['summary', 'full']).optional(),
    taskId: z.string().min(1).max(200).optional(),
    iteration: IterationField.optional(),
    cursor: CursorField.optional(),
  },
  output: {
    runId: z.string(),
    flow: z.string(),
    revision: z.number(),
    state: z.enum(RUN_STATES),
    inputs: z.record(z.string(), z.unknown()),
    inputsTruncated: z.boolean().optional(),
    trigger: z.string().optional(),
    event: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    outputsTruncated: z.boolean().optional(),
    taskOutputs: z.record(z.string(), z.unknown()).optional(),
    taskOutputsTruncated: z.boolean().optional(),
    error: RunErrorView.optional(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number().optional() }).optional(),
    tasks: z.array(TaskRunView),
    tasksShown: z.object({ shown: z.number(), total: z.number(), nextCursor: z.string().optional() }).optional(),
    taskOutput: TaskOutputView.optional(),
    approvals: z.array(ApprovalView),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    waitingFor: z.string().optional(),
    restartOf: z.string().optional(),
    restarts: z.array(z.string()).optional(),
    uiUrl: z.string(),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  _meta: RUN_VIEW_META,
  async run({ runId, waitSeconds, detail: mode, taskId, iteration, cursor }, call, ctx) {
    const checked = await checkRunAccess(runId, ctx);
    const detail = waitSeconds ? await waitOnRun(runId, waitSeconds, call, ctx) : (checked ?? (await ctx.services.runs.get(runId)));
    let all = detail.tasks;
    if (taskId) all = all.filter((t) => t.id === taskId && (!iteration || sameIteration(t.iteration, iteration)));
    let tasks: z.infer<typeof TaskRunView>[];
    let tasksShown: { shown: number; total: number; nextCursor?: string } | undefined;
    let taskOutput: z.infer<typeof TaskOutputView> | undefined;
    if (taskId) {
      // With taskId the cursor pages the task's output; its timeline is shown up to one page.
      tasks = all.slice(0, FULL_TASK_PAGE).map(taskRunView);
      if (all.length > tasks.length) tasksShown = { shown: tasks.length, total: all.length };
      taskOutput = await outputPage(ctx, runId, taskId, iteration ?? onlyIteration(all), cursor);
    } else if (mode === 'full') {
      const offset = cursor ? TASK_PAGE_CURSOR.decode(cursor) : 0;
      const page = all.slice(offset, offset + FULL_TASK_PAGE);
      tasks = page.map(taskRunView);
      const next = offset + page.length < all.length ? TASK_PAGE_CURSOR.encode(offset + page.length) : undefined;
      if (next || offset > 0) tasksShown = { shown: page.length, total: all.length, nextCursor: next };
    } else {
      const summary = summaryTimeline(all);
      tasks = summary.tasks;
      if (summary.cut) tasksShown = { shown: tasks.length, total: all.length };
    }
    const { outputs, cut } = boundedOutputs(detail.outputs);
    // A run that did not complete: what its completed tasks produced, under the same budget.
    const completed = boundedOutputs(detail.taskOutputs);
    const inputs = fitObject(detail.inputs, INPUTS_BUDGET_BYTES);
    const more = tasksShown ? `; timeline shows ${tasksShown.shown} of ${tasksShown.total} task runs (detail: full pages through all)` : '';
    return {
      structured: {
        runId: detail.runId,
        flow: detail.flow,
        revision: detail.revision,
        state: detail.state,
        inputs: inputs.value,
        ...(inputs.truncated ? { inputsTruncated: true } : {}),
        ...(detail.trigger ? { trigger: detail.trigger } : {}),
        ...(detail.event ? { event: fitObject(detail.event, INPUTS_BUDGET_BYTES).value } : {}),
        outputs,
        ...(cut ? { outputsTruncated: true } : {}),
        ...(completed.outputs ? { taskOutputs: completed.outputs } : {}),
        ...(completed.cut ? { taskOutputsTruncated: true } : {}),
        error: runErrorView(detail),
        usage: detail.usage,
        tasks,
        tasksShown,
        taskOutput,
        approvals: detail.approvals.map(approvalView),
        startedAt: detail.startedAt,
        endedAt: detail.endedAt,
        ...(detail.waitingFor ? { waitingFor: detail.waitingFor } : {}),
        ...(detail.restartOf ? { restartOf: detail.restartOf } : {}),
        ...(detail.restarts ? { restarts: detail.restarts } : {}),
        uiUrl: ctx.services.runs.uiUrl(detail.runId),
      },
      summary: `${runSummaryLine(detail)}${more}${cut ? `; outputs cut to a budget (each task's output in full: get_run with taskId)` : ''}${completed.cut ? '; task outputs cut to a budget (each in full: get_run with taskId)' : ''}`,
    };
  },
});

export const queryLogs = defineTool({
  name: 'query_logs',
  title: 'Search logs',
  description: 'Searches run logs. tail: last N; nextCursor pages on or follows a live run.',
  input: {
    runId: RunIdField.optional(),
    flow: FlowRefField.optional(),
    taskId: z.string().max(200).optional(),
    level: z.enum(LOG_LEVELS).optional().describe('Minimum level'),
    contains: z.string().max(500).optional().describe('Full-text words'),
    since: TimeField.optional(),
    until: TimeField.optional(),
    tail: z.number().int().min(1).max(MAX_LOG_PAGE).optional(),
    cursor: CursorField.optional(),
    limit: limitField(MAX_LOG_PAGE, 100).optional(),
  },
  output: {
    entries: z.array(
      z.object({
        ts: z.string(),
        runId: z.string(),
        taskId: z.string(),
        iteration: z.array(z.number()).optional(),
        attempt: z.number().optional(),
        level: z.string(),
        message: z.string(),
      }),
    ),
    nextCursor: z.string().optional(),
    truncated: z.boolean(),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, _call, ctx) {
    if (args.runId) await checkRunAccess(args.runId, ctx);
    else if (ctx.access.namespace !== undefined && !args.flow?.startsWith(`${ctx.access.namespace}/`)) {
      throw new AccessDeniedError(
        `this API key may read logs of namespace "${ctx.access.namespace}" only`,
        `pass runId, or flow as "${ctx.access.namespace}/<id>"`,
      );
    }
    const page = await ctx.services.logs.query({ ...args, limit: args.limit ?? 100, maxBytes: LOG_PAGE_BYTES, maxMessageBytes: LOG_MESSAGE_BYTES });
    return {
      structured: page,
      summary: `${page.entries.length} log line${page.entries.length === 1 ? '' : 's'}${page.truncated ? '; more with nextCursor' : ''}`,
    };
  },
});

async function outputPage(
  ctx: ToolContext,
  runId: string,
  taskId: string,
  iteration: number[] | undefined | 'many',
  cursor: string | undefined,
): Promise<z.infer<typeof TaskOutputView>> {
  if (iteration === 'many') {
    return { taskId, found: false, note: 'this task ran in several foreach iterations; pass iteration (e.g. [0]) for one output' };
  }
  return ctx.services.runs.taskOutputPage(runId, taskId, iteration, cursor, OUTPUT_PAGE_BYTES);
}

function onlyIteration(records: readonly { iteration?: number[] }[]): number[] | undefined | 'many' {
  const distinct = new Set(records.map((r) => (r.iteration ?? []).join(',')));
  if (distinct.size > 1) return 'many';
  return records[0]?.iteration;
}

function sameIteration(a: number[] | undefined, b: number[]): boolean {
  return (a ?? []).join(',') === b.join(',');
}
