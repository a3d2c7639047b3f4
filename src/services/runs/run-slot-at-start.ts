// A run of a flow with concurrency asks its keeper for a slot as its first step. When the run
// service starts the run, it asks first, before the start: a free slot is then the run's from its
// first workflow task, which asks nothing and answers its admission at once (docs/limits.md, "A
// free slot at the start"). Only a free slot is taken so: the ask says `onLimit: fail`, so it
// never waits in line, and a run that was not granted one asks for its own as every run does.

import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { LimitTarget, SlotRequest } from '../../core/runs/limit-types.js';
import type { FlowRunInput } from '../../core/runs/run-types.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { askKeeperByUpdate, giveSlotBack } from '../limits/keeper-client.js';
import { launchRun, type RunLaunch } from './run-client.js';

export type SlotAtStart = NonNullable<FlowRunInput['slotAtStart']>;

/**
 * Starts the run of `launch` (a flow run of `flow`) with the free slot its keeper grants before
 * the start, when it has one. A start that fails, or that attaches to a run started before with
 * the same idempotency key (which holds a slot of its own), gives the slot back at once. `slot`:
 * what the run was started with, undefined when it asks for its own.
 */
export async function launchWithSlotAtStart(
  client: Client,
  launch: RunLaunch,
  flow: FlowSpec,
): Promise<{ launched: { runId: string; started: boolean }; slot?: SlotAtStart }> {
  const slot = await askSlotAtStart(client, launch.taskQueue, flow, launch.runId);
  if (!slot) return { launched: await launchRun(client, launch) };
  const [input, ...rest] = launch.args as [FlowRunInput, ...unknown[]];
  const giveBack = () => giveSlotBack(client, launch.taskQueue, targetOf(flow), slot.requestId);
  const launched = await launchRun(client, { ...launch, args: [{ ...input, slotAtStart: slot }, ...rest] }).catch(async (error: unknown) => {
    await giveBack();
    throw error;
  });
  if (!launched.started) await giveBack();
  return { launched, slot };
}

/**
 * Asks `flow`'s keeper for a free slot for run `runId` before it starts. Undefined when the flow
 * has no concurrency, its limit is per key (the key is rendered by the run, from its start time
 * among others), or the keeper said no slot is free.
 */
export async function askSlotAtStart(client: Client, taskQueue: string, flow: FlowSpec, runId: string): Promise<SlotAtStart | undefined> {
  const concurrency = flow.concurrency;
  if (!concurrency || concurrency.key !== undefined) return undefined;
  // Unique per start: a repeated start of a keyed run must not name the slot the first start holds.
  const request: SlotRequest = {
    requestId: `${runId}|start-${randomUUID()}`,
    runId,
    startedAt: new Date().toISOString(),
    onLimit: 'fail',
    size: concurrency.limit,
  };
  const reply = await askKeeperByUpdate(client, taskQueue, targetOf(flow), request);
  if (reply === 'refused') return undefined;
  return { requestId: request.requestId, granted: reply === 'granted' };
}

function targetOf(flow: FlowSpec): LimitTarget {
  return { kind: 'flow', flow: `${flow.namespace}/${flow.id}` };
}
