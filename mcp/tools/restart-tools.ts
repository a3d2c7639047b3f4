// `restart_run`: a new run of an ended one from a task, reusing the outputs of task runs that
// completed before it (flow-spec.md, Restart). Answers as `run_flow` does, plus the lineage.

import { z } from 'zod';
import type { RestartRunResult, RunDetail } from '../../src/services/run-service.js';
import { runRightsOf } from '../../src/services/security/tool-policy.js';
import { boundedOutputs, RunErrorView, runErrorView, runSummaryLine } from '../run-view.js';
import { defineTool, type ToolContext } from '../tool-registry.js';
import { errorData } from '../tool-result.js';
import { checkRunAccess, InputsField, waitOnRun } from './run-tools.js';
import { RunIdField, WaitSecondsField } from './tool-fields.js';

/** Starts the restart of a run the caller may see, with the caller's rights. */
export async function startRestart(
  args: { runId: string; fromTask?: string; revision?: 'same' | 'latest'; inputs?: Record<string, unknown> },
  ctx: ToolContext,
): Promise<RestartRunResult & { uiUrl: string }> {
  await checkRunAccess(args.runId, ctx);
  const restarted = await ctx.services.runs.restartRun(
    {
      runId: args.runId,
      ...(args.fromTask ? { fromTask: args.fromTask } : {}),
      ...(args.revision ? { revision: args.revision } : {}),
      ...(args.inputs ? { inputs: args.inputs } : {}),
    },
    runRightsOf(ctx.access),
  );
  return { ...restarted, uiUrl: ctx.services.runs.uiUrl(restarted.runId) };
}

/** Task runs a restart reused, once it ended; before that, those it may reuse. */
function reusedOf(detail: RunDetail | undefined, reusable: string[]): string[] {
  if (!detail || detail.state === 'RUNNING' || detail.state === 'WAITING' || detail.state === 'QUEUED') return reusable;
  return detail.tasks.filter((t) => t.reusedFrom).map((t) => (t.iteration?.length ? `${t.id}[${t.iteration.join(',')}]` : t.id));
}

export const restartRunTool = defineTool({
  name: 'restart_run',
  title: 'Restart a run',
  description: 'Restarts an ended run from fromTask (default: the failed one), reusing tasks done before it.',
  input: {
    runId: RunIdField,
    fromTask: z.string().min(1).max(200).optional(),
    revision: z.enum(['same', 'latest']).optional(),
    inputs: InputsField.optional(),
    waitSeconds: WaitSecondsField.optional(),
  },
  // Fewer fields than run_flow's answer: tools/list has a byte budget; get_run shows the rest.
  output: {
    runId: z.string(),
    state: z.string(),
    restartOf: z.string(),
    reused: z.array(z.string()),
    outputs: z.record(z.string(), z.unknown()).optional(),
    error: RunErrorView.optional(),
    uiUrl: z.string(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  execution: { taskSupport: 'optional' },
  async run(args, call, ctx) {
    const { runId, restartOf, reusable, uiUrl } = await startRestart(args, ctx);
    const audit = { runId };
    if (!args.waitSeconds) {
      return {
        structured: { runId, state: 'RUNNING', restartOf, reused: reusable, uiUrl },
        summary: `restarted ${restartOf} as run ${runId} (${reusable.length} task runs may be reused); follow it with get_run`,
        audit,
      };
    }
    let detail: RunDetail;
    try {
      detail = await waitOnRun(runId, args.waitSeconds, call, ctx);
    } catch (error) {
      // The run started: its id goes back, never an error that would invite a second restart.
      return {
        structured: { runId, state: 'RUNNING', restartOf, reused: reusable, uiUrl },
        summary: `restarted ${restartOf} as run ${runId}, but waiting failed (${errorData(error).message}); follow it with get_run`,
        audit,
      };
    }
    return { ...restartResult(detail, restartOf, reusable, uiUrl), audit };
  },
});

/** `restart_run`'s answer for a run it waited on; also the result of a `restart_run` MCP task. */
export function restartResult(detail: RunDetail, restartOf: string, reusable: string[], uiUrl: string) {
  const { outputs } = boundedOutputs(detail.outputs);
  const reused = reusedOf(detail, reusable);
  return {
    structured: { runId: detail.runId, state: detail.state, restartOf, reused, ...(outputs ? { outputs } : {}), error: runErrorView(detail), uiUrl },
    summary: `restart of ${restartOf}: ${runSummaryLine(detail)}; reused ${reused.length} task runs`,
  };
}
