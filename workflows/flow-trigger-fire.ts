// The end of a run that flow triggers listen to: once the run's outcome is known (completed,
// failed, timed out, cancelled), one local activity starts the downstream runs, keyed by this
// run's id so a repeat (a worker lost before the run closed) attaches. A run nobody listens to
// goes straight through: no command, so its history is what it was before flow triggers existed.

import { ApplicationFailure, CancellationScope, defineSignal, isCancellation, log, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { FLOW_TRIGGERS_SAVED_SIGNAL, flowTriggerDepth, type UpstreamEndState } from '../src/core/runs/flow-trigger-io.js';
import { type FlowRunInput, type FlowRunResult, RUN_FAILURE_TYPES } from '../src/core/runs/run-types.js';
import type { WeftActivities } from './run-context.js';

export const flowTriggersSavedSignal = defineSignal(FLOW_TRIGGERS_SAVED_SIGNAL);

// Starting runs is idempotent, so infrastructure failures are retried; after an hour without
// Temporal or the store the run ends anyway, saying what it did not start.
const local = proxyLocalActivities<WeftActivities>({
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Runs `run`; when flow triggers listen to this flow (from the start, or saved since), fires them as its last step. */
export async function settleWithFlowTriggers(input: FlowRunInput, run: () => Promise<FlowRunResult>): Promise<FlowRunResult> {
  let listened = input.downstream === true;
  // A handler costs no command; the signal arrives only when a trigger is saved while the run runs.
  setHandler(flowTriggersSavedSignal, () => {
    listened = true;
  });
  let result: FlowRunResult;
  try {
    result = await run();
  } catch (error) {
    const state = endStateOf(error);
    if (listened && state === 'CANCELLED') await CancellationScope.nonCancellable(() => fire(input, state, {}));
    else if (listened && state) await fire(input, state, {});
    throw error;
  }
  if (listened) await fire(input, 'COMPLETED', result.outputs);
  return result;
}

/** How the run ended, from what it threw; undefined for an error that stalls the workflow task (no end yet). */
function endStateOf(error: unknown): UpstreamEndState | undefined {
  if (isCancellation(error)) return 'CANCELLED';
  if (!(error instanceof ApplicationFailure)) return undefined;
  if (error.type === RUN_FAILURE_TYPES.failed) return 'FAILED';
  if (error.type === RUN_FAILURE_TYPES.timedOut) return 'TIMED_OUT';
  return undefined;
}

async function fire(input: FlowRunInput, state: UpstreamEndState, outputs: Record<string, unknown>): Promise<void> {
  const runId = workflowInfo().workflowId;
  try {
    await local.fireFlowTriggers({
      flow: `${input.flow.namespace}/${input.flow.id}`,
      runId,
      state,
      outputs,
      inputs: input.inputs,
      depth: flowTriggerDepth(input.trigger, input.event),
    });
  } catch (error) {
    // The run's own outcome stands; what did not start is said in the worker's log.
    log.error('flow triggers of this run could not be fired', { runId, error: error instanceof Error ? error.message : String(error) });
  }
}
