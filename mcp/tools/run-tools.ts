// Tools for runs: start (idempotent with a key, bounded wait with progress), find, cancel, and
// answer approvals as an agent.

import { z } from 'zod';
import { type ApprovalResponse, RUN_STATES, type RunState } from '../../src/core/runs/run-types.js';
import { RUN_TRIGGERS } from '../../src/core/runs/search-attributes.js';
import { FLOW_LIMITS } from '../../src/core/spec/limits.js';
import { ApprovalAlreadyDecidedError, type RunDetail } from '../../src/services/run-service.js';
import { waitForRunEnd } from '../../src/services/run-waiter.js';
import { runRightsOf } from '../../src/services/security/tool-policy.js';
import { namespaceAllowed } from '../access.js';
import { confirmPersonAnswer, type ProposedAnswer } from '../approval-confirmation.js';
import { ELICITED_BY, elicitApproval } from '../approval-elicitation.js';
import { jsonBytes } from '../budget.js';
import { ApprovalView, approvalView, boundedOutputs, RunErrorView, runErrorView, runSummaryLine } from '../run-view.js';
import { defineTool, type ToolCall, type ToolContext } from '../tool-registry.js';
import { errorData } from '../tool-result.js';
import { AccessDeniedError, checkFlowAccess, checkFlowRefAccess } from './flow-tools.js';
import { CursorField, FlowRefField, IterationField, limitField, RunIdField, TimeField, WaitSecondsField } from './tool-fields.js';

export const InputsField = z
  .record(z.string(), z.unknown())
  .refine((v) => jsonBytes(v) <= FLOW_LIMITS.maxInputBytes, `must be at most ${FLOW_LIMITS.maxInputBytes} bytes of JSON`);

/** A user's answer through elicitation that did not fit the approval's form; the approval stays pending. */
export const RefusedAnswerView = z.object({ taskId: z.string(), iteration: z.array(z.number()).optional(), reason: z.string() });
export type RefusedAnswerView = z.infer<typeof RefusedAnswerView>;

/**
 * Waits on a run for an MCP call: progress per finished task, approvals offered through
 * elicitation. Answers refused because they did not fit the form are added to `refused`.
 */
export async function waitOnRun(runId: string, waitSeconds: number, call: ToolCall, ctx: ToolContext, refused: RefusedAnswerView[] = []): Promise<RunDetail> {
  const { runs } = ctx.services;
  return waitForRunEnd(
    runs,
    runId,
    waitSeconds * 1000,
    {
      onTaskFinished: (task, done, total) => call.progress(done, total, `${task.id}${task.iteration ? `[${task.iteration.join(',')}]` : ''} ${task.state}`),
      // A run blocked on an approval nobody here answers will not end while we wait: hand the
      // caller the WAITING run now rather than at the end of waitSeconds.
      onApproval: async (approval, remainingMs) => {
        // Without an MCP session (the JSON API) nobody can be asked: the caller gets the WAITING run.
        if (!ctx.server) return true;
        const outcome = await elicitApproval(ctx.server, runs, runId, approval, remainingMs, call.signal);
        if (outcome.refused)
          refused.push({ taskId: approval.taskId, ...(approval.iteration ? { iteration: approval.iteration } : {}), reason: outcome.refused });
        return !outcome.answered;
      },
    },
    call.signal,
  );
}

/**
 * The namespace check for a run: keys bound to a namespace see only runs of its flows. Returns
 * the run's detail when it had to read it, so the caller need not read it again.
 */
export async function checkRunAccess(runId: string, ctx: ToolContext): Promise<RunDetail | undefined> {
  if (ctx.access.namespace === undefined) return undefined;
  const detail = await ctx.services.runs.get(runId);
  const namespace = detail.flow.split('/')[0] ?? '';
  if (!namespaceAllowed(ctx.access, namespace)) {
    throw new AccessDeniedError(
      `run ${runId} belongs to namespace "${namespace}", outside this API key's namespace`,
      `use runs of flows in namespace ${ctx.access.namespace}`,
    );
  }
  return detail;
}

export const runFlow = defineTool({
  name: 'run_flow',
  title: 'Run a flow',
  description: 'Starts a run; waitSeconds waits for its end, else follow runId with get_run. Same idempotencyKey, same run (started: false).',
  input: {
    flow: FlowRefField,
    inputs: InputsField.optional(),
    waitSeconds: WaitSecondsField.optional(),
    idempotencyKey: z.string().min(1).max(200).optional(),
    revision: z.number().int().min(1).optional(),
  },
  output: {
    runId: z.string(),
    state: z.enum(RUN_STATES),
    started: z.boolean(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    outputsTruncated: z.boolean().optional(),
    error: RunErrorView.optional(),
    approvals: z.array(ApprovalView).optional(),
    refusedAnswers: z.array(RefusedAnswerView).optional().describe('Refused form answers; approvals still wait'),
    waitError: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional().describe('Waiting failed; the run goes on'),
    uiUrl: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  execution: { taskSupport: 'optional' },
  async run({ flow, inputs, waitSeconds, idempotencyKey, revision }, call, ctx) {
    const { runId, started, uiUrl, state, warnings } = await startRun({ flow, inputs, idempotencyKey, revision }, ctx);
    // Said in the text the model reads: the result schema stays as it is (the tools/list budget).
    const warned = (warnings ?? []).map((w) => `; warning: ${w}`).join('');
    if (!waitSeconds) {
      return {
        structured: { runId, state: state ?? ('RUNNING' as const), started, uiUrl },
        summary: `${started ? 'started' : 'attached to existing'} run ${runId}${warned}; follow it with get_run (waitSeconds up to 50)`,
        audit: { runId, flow },
      };
    }
    const refused: RefusedAnswerView[] = [];
    let detail: RunDetail;
    try {
      detail = await waitOnRun(runId, waitSeconds, call, ctx, refused);
    } catch (error) {
      // The run started: an error result would hide its id, and a retry would start another.
      // The agent gets the run and why waiting stopped, and follows it with get_run.
      const state = (await ctx.services.runs.get(runId).catch(() => undefined))?.state ?? 'RUNNING';
      return {
        structured: { runId, state, started, waitError: errorData(error), uiUrl },
        summary: `${started ? 'started' : 'attached to existing'} run ${runId}${warned}, but waiting on it failed (${errorData(error).message}); follow it with get_run, do not start it again`,
        audit: { runId, flow },
      };
    }
    const result = runFlowResult(detail, started, uiUrl, refused);
    return { ...result, summary: `${result.summary}${warned}`, audit: { runId, flow } };
  },
});

/** Starts (or, with the same idempotency key, finds) a run of a flow the caller may run. */
export async function startRun(
  args: { flow: string; inputs?: Record<string, unknown>; idempotencyKey?: string; revision?: number },
  ctx: ToolContext,
): Promise<{ runId: string; started: boolean; uiUrl: string; state?: RunState; warnings?: string[] }> {
  checkFlowRefAccess(args.flow, ctx.access);
  const entry = await ctx.services.flows.get(args.flow, args.revision);
  checkFlowAccess(entry.spec, ctx.access);
  const rights = runRightsOf(ctx.access);
  const { runId, started, state, warnings } = await ctx.services.runs.start(
    { flow: args.flow, revision: entry.revision, inputs: args.inputs, idempotencyKey: args.idempotencyKey, trigger: ctx.surface ?? 'mcp' },
    entry,
    rights,
  );
  return { runId, started, uiUrl: ctx.services.runs.uiUrl(runId), ...(state ? { state } : {}), ...(warnings ? { warnings } : {}) };
}

/** `run_flow`'s result for a run it waited on; also the result of a `run_flow` MCP task. */
export function runFlowResult(detail: RunDetail, started: boolean, uiUrl: string, refused: RefusedAnswerView[] = []) {
  const { outputs, cut } = boundedOutputs(detail.outputs);
  const refusedLine = refused.map((r) => `; ${r.taskId}: the user's answer was refused (${r.reason}), the approval still waits`).join('');
  return {
    structured: {
      runId: detail.runId,
      state: detail.state,
      started,
      outputs,
      ...(cut ? { outputsTruncated: true } : {}),
      error: runErrorView(detail),
      ...(detail.approvals.length ? { approvals: detail.approvals.map(approvalView) } : {}),
      ...(refused.length ? { refusedAnswers: refused } : {}),
      uiUrl,
    },
    summary: `${started ? '' : '(existing run) '}${runSummaryLine(detail)}${refusedLine}${isOpen(detail) ? '; still open: call get_run with waitSeconds to keep waiting' : ''}`,
  };
}

export const listRuns = defineTool({
  name: 'list_runs',
  title: 'List runs',
  description: 'Finds runs, newest first, by flow, namespace, state, trigger, time.',
  input: {
    flow: FlowRefField.optional(),
    namespace: z.string().max(128).optional(),
    state: z.enum(RUN_STATES).optional(),
    trigger: z.enum(RUN_TRIGGERS).optional(),
    since: TimeField.optional().describe('Started at or after'),
    until: TimeField.optional().describe('Started at or before'),
    cursor: CursorField.optional(),
    limit: limitField(200, 20).optional(),
  },
  output: {
    runs: z.array(z.object({ runId: z.string(), flow: z.string(), state: z.enum(RUN_STATES), startedAt: z.string(), endedAt: z.string().optional() })),
    nextCursor: z.string().optional(),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, _call, ctx) {
    const namespace = args.namespace ?? ctx.access.namespace;
    if (!namespaceAllowed(ctx.access, namespace ?? '')) {
      throw new AccessDeniedError(`namespace "${args.namespace}" is outside this API key's namespace`, `omit namespace or use "${ctx.access.namespace}"`);
    }
    const page = await ctx.services.runs.list({ ...args, namespace, limit: args.limit ?? 20 });
    const counts = new Map<string, number>();
    for (const run of page.runs) counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
    const byState = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
    return {
      structured: page,
      summary: `${page.runs.length} run${page.runs.length === 1 ? '' : 's'}${byState ? ` (${byState})` : ''}${page.nextCursor ? '; more with nextCursor' : ''}`,
    };
  },
});

export const cancelRun = defineTool({
  name: 'cancel_run',
  title: 'Cancel a run',
  description: 'Cancels a run (its finally tasks run); force terminates at once, without them.',
  input: {
    runId: RunIdField,
    reason: z.string().max(1000).optional(),
    force: z.boolean().optional(),
  },
  output: { runId: z.string(), state: z.enum(RUN_STATES), cancelRequested: z.boolean().optional() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ runId, reason, force }, _call, ctx) {
    await checkRunAccess(runId, ctx);
    // The service waits briefly for the end: the answer is the run's state, not a guess.
    const result = await ctx.services.runs.cancel(runId, { reason, force });
    const summary = result.cancelRequested
      ? `run ${runId}: cancellation requested, still ${result.state} while its finally tasks run; follow it with get_run (waitSeconds)`
      : `run ${runId}: ${result.state}`;
    return { structured: result, summary, audit: { runId } };
  },
});

export const respondToApproval = defineTool({
  name: 'respond_to_approval',
  title: 'Answer an approval',
  description: 'Answers a waiting approval (a human one once the user confirms). If decided: accepted false, code, decision.',
  input: {
    runId: RunIdField,
    taskId: z.string().min(1).max(200),
    iteration: IterationField.optional(),
    step: z.number().int().min(1).optional().describe('Agent step'),
    approved: z.boolean(),
    comment: z.string().max(4000).optional(),
    data: z.record(z.string(), z.unknown()).optional().describe('Its fields'),
  },
  output: {
    runId: z.string(),
    taskId: z.string(),
    accepted: z.boolean(),
    code: z.literal('APPROVAL_ALREADY_DECIDED').optional(),
    decision: z.object({ approved: z.boolean(), by: z.string(), respondedAt: z.string() }).optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ runId, taskId, iteration, step, approved, comment, data }, call, ctx) {
    await checkRunAccess(runId, ctx);
    const answerer = await answererOf(ctx, runId, { taskId, iteration, step }, { approved, comment, data }, call.signal);
    try {
      await ctx.services.runs.respondToApproval(runId, {
        taskId,
        ...(iteration ? { iteration } : {}),
        ...(step !== undefined ? { step } : {}),
        approved,
        ...answerer,
        ...(comment ? { comment } : {}),
        data: data ?? {},
      });
    } catch (error) {
      // Not a failed call: the approval has an answer, just not this one. The agent gets the
      // decision as data to act on, and the run's audit line still names the run.
      if (!(error instanceof ApprovalAlreadyDecidedError)) throw error;
      return {
        structured: { runId, taskId, accepted: false, code: 'APPROVAL_ALREADY_DECIDED' as const, decision: error.decision },
        summary: `not accepted (${error.code}): ${error.message} (hint: ${error.hint})`,
        audit: { runId },
      };
    }
    return { structured: { runId, taskId, accepted: true }, summary: `${approved ? 'approved' : 'rejected'} ${taskId} of run ${runId}`, audit: { runId } };
  },
});

/**
 * Who a `respond_to_approval` call answers as. A person's key answers as that person through the
 * JSON API only: every MCP call is an agent's, unless the approval waits for a person and the
 * session's user confirmed this exact answer through elicitation (approval-confirmation.ts).
 */
async function answererOf(
  ctx: ToolContext,
  runId: string,
  at: { taskId: string; iteration?: number[]; step?: number },
  answer: ProposedAnswer,
  signal: AbortSignal,
): Promise<Pick<ApprovalResponse, 'by' | 'approver'>> {
  const person = ctx.surface === 'api' ? ctx.access.person : undefined;
  if (person) return { by: `${person} (${ctx.access.caller})`, approver: 'human' };
  const agent = { by: `agent (${ctx.access.caller})`, approver: 'agent' } as const;
  // The run itself refuses an agent's answer to a person's approval: the read only decides whom to ask.
  const pending = await ctx.services.runs.pendingApproval(runId, at);
  if (pending?.approvers !== 'human') return agent;
  // The JSON API has no user to ask: the run refuses the agent's answer, as it always has.
  if (!ctx.server) return agent;
  await confirmPersonAnswer(ctx.server, runId, pending, answer, signal);
  return { by: ELICITED_BY, approver: 'human' };
}

function isOpen(detail: RunDetail): boolean {
  return detail.state === 'RUNNING' || detail.state === 'WAITING';
}
