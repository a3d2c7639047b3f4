// How a task starts another saved flow as a child run: the `subflow` task and an `agent`'s flow
// tools take the same path (the flow resolved by the `resolveFlow` local activity, which checks
// the starter's rights; the child's input carries the depth, rights and type defaults).

import { workflowInfo } from '@temporalio/workflow';
import type { FlowRunInput } from '../src/core/runs/run-types.js';
import { runSearchAttributes } from '../src/core/runs/search-attributes.js';
import type { RunContext, WeftActivities } from './run-context.js';

/** Deepest subflow nesting before a run fails (a flow calling itself without bound). */
export const MAX_SUBFLOW_DEPTH = 10;

/** A flow as `resolveFlow` answers it. */
export type ResolvedFlow = Awaited<ReturnType<WeftActivities['resolveFlow']>>;

/** The child's workflow input: one level deeper, with the starter's rights and the flow's defaults. */
export function childRunInput(ctx: RunContext, resolved: ResolvedFlow, inputs: Record<string, unknown>, trigger: string): FlowRunInput {
  const input: FlowRunInput = {
    flow: resolved.flow,
    revision: resolved.revision,
    inputs,
    trigger,
    depth: ctx.depth + 1,
    ...(ctx.rights ? { rights: ctx.rights } : {}),
  };
  if (resolved.taskDefaults) input.taskDefaults = resolved.taskDefaults;
  return input;
}

/** The child's start options; its workflow id (Weft's run id) is this run's id and `suffix`. */
export function childRunOptions(resolved: ResolvedFlow, input: FlowRunInput, suffix: string, summary: string) {
  return {
    workflowId: `${workflowInfo().workflowId}.${suffix}`,
    args: [input] as [FlowRunInput],
    typedSearchAttributes: runSearchAttributes(resolved.flow, resolved.revision, input.trigger),
    staticSummary: summary,
  };
}
