// The first step of a run a Temporal Schedule started. The Schedule's start carries the revision
// each save wrote into it (`fire.carried`), so nothing is read before the first task; a Schedule
// written before that names only the flow and trigger, and one local activity resolves the latest
// revision. The trigger's `when` and `inputs` are evaluated here, deterministically, with
// `trigger` in scope.

import { ApplicationFailure, proxyLocalActivities, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { WeftError } from '../src/core/errors.js';
import { toCel } from '../src/core/expressions/cel-values.js';
import { renderValue } from '../src/core/expressions/evaluate.js';
import { resolveInputs } from '../src/core/runs/run-inputs.js';
import { FIRED_RUN_MEMO, type FiredRunMemo, type FireRequest, type FlowRunInput } from '../src/core/runs/run-types.js';
import { TEMPORAL_SCHEDULED_START_TIME, WEFT_FLOW, WEFT_NAMESPACE, WEFT_REVISION, WEFT_TRIGGER } from '../src/core/runs/search-attributes.js';
import type { WeftActivities } from './run-context.js';

/** Failure type of a fired run whose trigger could not give valid inputs. */
export const TRIGGER_FAILED = 'TriggerFailed';

const local = proxyLocalActivities<WeftActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * The input the run really executes, or undefined when nothing should run: the trigger is gone
 * or disabled in the latest revision (the Schedule is being removed), or its `when` is false.
 */
export async function resolveFiredRun(input: FlowRunInput): Promise<FlowRunInput | undefined> {
  const fire = input.fire;
  if (!fire) return input;
  // The nominal fire time, before jitter; a backfill sets it the same way.
  const scheduled = workflowInfo().typedSearchAttributes.get(TEMPORAL_SCHEDULED_START_TIME);
  const event = { id: fire.triggerId, scheduledAt: (scheduled ?? workflowInfo().startTime).toISOString() };
  const latest = fire.carried ? carriedRevision(input) : await local.resolveFlow({ flow: fire.flow });
  const trigger = latest.flow.triggers?.find((t) => t.id === fire.triggerId && t.type === 'schedule');
  if (!trigger || trigger.enabled === false) return unlisted(fire);
  const scope = { trigger: toCel(event) };
  const field = `triggers.${trigger.id}`;
  try {
    if (trigger.when !== undefined && renderValue(trigger.when, scope, `${field}.when`) !== true) return unlisted(fire);
    const given = renderValue(trigger.inputs ?? {}, scope, `${field}.inputs`) as Record<string, unknown>;
    const resolved = resolveInputs(latest.flow, given);
    if (!resolved.valid) {
      const first = resolved.problems[0];
      throw ApplicationFailure.create({
        type: TRIGGER_FAILED,
        message: `${field}.inputs gave invalid run inputs: ${first?.message ?? 'unknown problem'}`,
        nonRetryable: true,
      });
    }
    // The start input holds placeholders: the memo tells get_run what this run really runs
    // (a command in this workflow task, no round trip of its own).
    const memo: FiredRunMemo = { revision: latest.revision, inputs: resolved.inputs, event };
    upsertMemo({ [FIRED_RUN_MEMO]: memo });
    // A carried revision is already in the search attributes the Schedule started the run with.
    if (!fire.carried) upsertSearchAttributes([{ key: WEFT_REVISION, value: latest.revision }]);
    return {
      ...input,
      flow: latest.flow,
      revision: latest.revision,
      inputs: resolved.inputs,
      event,
      fire: undefined,
      taskDefaults: latest.taskDefaults,
      ...(latest.downstream ? { downstream: true } : {}),
    };
  } catch (error) {
    // Only an ApplicationFailure fails a run; any other error would stall the workflow task.
    if (error instanceof WeftError) throw ApplicationFailure.create({ type: TRIGGER_FAILED, message: error.message, nonRetryable: true });
    throw error;
  }
}

/**
 * A fire that starts nothing (`when` false, or the trigger is being removed) still is a workflow,
 * since a Schedule cannot ask first; without WeftFlow it leaves Weft's run lists, as "nothing
 * starts" means (the Temporal Web UI still shows it). Only carried fires do this: the fires of
 * older Schedules replay as they ran.
 */
function unlisted(fire: FireRequest): undefined {
  if (fire.carried)
    upsertSearchAttributes([
      { key: WEFT_FLOW, value: null },
      { key: WEFT_NAMESPACE, value: null },
      { key: WEFT_REVISION, value: null },
      { key: WEFT_TRIGGER, value: null },
    ]);
  return undefined;
}

/** What the Schedule's start carries, in the shape the resolving local activity answers. */
function carriedRevision(input: FlowRunInput) {
  return { flow: input.flow, revision: input.revision, taskDefaults: input.taskDefaults, ...(input.downstream ? { downstream: true } : {}) };
}
