// The `fireFlowTriggers` activity: an upstream run's last step when flow triggers listen to its
// flow. It starts the downstream runs through the worker's own Temporal client, on the task queue
// the upstream run used; the service makes a repeated call attach to the runs already started.

import { Context, log } from '@temporalio/activity';
import type { FireFlowTriggersInput, FireFlowTriggersResult } from '../src/core/runs/flow-trigger-io.js';
import type { FlowService } from '../src/services/flow-service.js';
import { RunService } from '../src/services/run-service.js';
import type { FlowTriggerFirer } from '../src/services/triggers/flow-triggers.js';

export interface FlowTriggerDeps {
  firer: FlowTriggerFirer;
  flows: FlowService;
}

export async function fireFlowTriggersActivity(deps: FlowTriggerDeps | undefined, input: FireFlowTriggersInput): Promise<FireFlowTriggersResult> {
  if (!deps) {
    log.warn('flow triggers listen to this run, but this worker was built without a store to find them', { runId: input.runId });
    return { fired: [] };
  }
  const context = Context.current();
  const runs = new RunService(context.client, deps.flows, context.info.taskQueue);
  const result = await deps.firer.fire(input, runs);
  for (const outcome of result.fired) {
    if (outcome.skipped) log.warn(`flow trigger ${outcome.triggerId} of ${outcome.flow} did not start a run: ${outcome.skipped}`, { runId: input.runId });
  }
  return result;
}
