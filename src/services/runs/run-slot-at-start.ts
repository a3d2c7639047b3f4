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
import type { RunLaunch } from './run-client.js';

export type SlotAtStart = NonNullable<FlowRunInput['slotAtStart']>;

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

/** Gives a slot asked at the start back: the run did not start (or was started before). */
export function giveSlotAtStartBack(client: Client, taskQueue: string, flow: FlowSpec, slot: SlotAtStart): Promise<void> {
  return giveSlotBack(client, taskQueue, targetOf(flow), slot.requestId);
}

/** `launch` (of a flow run) with the slot asked at its start in the run's input. */
export function withSlotAtStart(launch: RunLaunch, slotAtStart: SlotAtStart): RunLaunch {
  const [input, ...rest] = launch.args as [FlowRunInput, ...unknown[]];
  return { ...launch, args: [{ ...input, slotAtStart }, ...rest] };
}

function targetOf(flow: FlowSpec): LimitTarget {
  return { kind: 'flow', flow: `${flow.namespace}/${flow.id}` };
}
