// How a process reaches a limit's keeper (workflows/limit-keeper.ts): asks by update-with-start,
// with or without the signal path behind them, and releases by signal. The worker's limit steps
// ask and release through it; the run service asks through it for a free slot when it starts a
// run (run-slot-at-start.ts).

import { randomUUID } from 'node:crypto';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { type KeeperInput, type KeeperReply, keeperId, keeperQueue, LIMIT_KEEPER, type LimitTarget, type SlotRequest } from '../../core/runs/limit-types.js';
import { BatchedSenders } from './batched-sender.js';

/**
 * Updates in flight at once per keeper from one process; asks beyond wait and go together in the
 * next update. Temporal refuses more than 10 updates in flight per workflow (and retries a refused
 * call for seconds), so a few workers asking at once stay under it.
 */
const UPDATES_IN_FLIGHT_PER_KEEPER = 3;
/** Release signals in flight at once per keeper from one process; releases beyond go together. */
const RELEASES_IN_FLIGHT_PER_KEEPER = 1;
/** Requests or releases one message carries at most: a few hundred bytes each. */
const PER_MESSAGE = 100;
/** How long an ask by update may take before its requests go by signal instead. */
const ASK_DEADLINE_MS = 3000;

interface Ask {
  taskQueue: string;
  target: LimitTarget;
  request: SlotRequest;
  /** Send by signal when the update fails; without, the reply is unknown (undefined). */
  bySignalOnFailure: boolean;
}

// Per client: the same keeper id names different keepers on different servers.
const askers = new WeakMap<Client, BatchedSenders<Ask, KeeperReply | undefined>>();
const releasers = new WeakMap<Client, BatchedSenders<string, undefined>>();

/**
 * Asks `target`'s keeper for a slot, starting the keeper when none runs: by update, whose result
 * is the keeper's reply. Asks from one process to one keeper go together while earlier ones are
 * in flight (BatchedSender), so a burst of runs costs the keeper a few updates, not one each. An
 * update that fails or takes over ASK_DEADLINE_MS (the keeper busy, continuing as new or ending)
 * sends its requests by signal-with-start instead, and their answers come by signal (`later`).
 * The keeper knows a request by its id, so an update that went through after all and the signal
 * after it take one place, and an ask repeated by a retried step gets the same decision.
 */
export async function askKeeper(client: Client, taskQueue: string, target: LimitTarget, request: SlotRequest): Promise<KeeperReply> {
  return (await sendersOf(client).add(keeperId(target, taskQueue), { taskQueue, target, request, bySignalOnFailure: true })) ?? 'later';
}

/**
 * askKeeper without the signal path: for an asker that cannot take an answer by signal (the run
 * it asks for does not exist yet). Undefined when no reply came; the keeper may then have taken
 * the request or not.
 */
export function askKeeperByUpdate(client: Client, taskQueue: string, target: LimitTarget, request: SlotRequest): Promise<KeeperReply | undefined> {
  return sendersOf(client).add(keeperId(target, taskQueue), { taskQueue, target, request, bySignalOnFailure: false });
}

function sendersOf(client: Client): BatchedSenders<Ask, KeeperReply | undefined> {
  let senders = askers.get(client);
  if (!senders) {
    senders = new BatchedSenders((workflowId, asks) => sendAsks(client, workflowId, asks), UPDATES_IN_FLIGHT_PER_KEEPER, PER_MESSAGE);
    askers.set(client, senders);
  }
  return senders;
}

async function sendAsks(client: Client, workflowId: string, asks: Ask[]): Promise<Array<KeeperReply | undefined>> {
  const { taskQueue, target } = asks[0] as Ask;
  const requests = asks.map((a) => a.request);
  const input: KeeperInput = { target };
  try {
    const startWorkflowOperation = new WithStartWorkflowOperation(LIMIT_KEEPER.workflowType, {
      workflowId,
      taskQueue: keeperQueue(taskQueue),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return await client.connection.withDeadline(Date.now() + ASK_DEADLINE_MS, () =>
      client.workflow.executeUpdateWithStart(LIMIT_KEEPER.askManyUpdate, { args: [requests], updateId: randomUUID(), startWorkflowOperation }),
    );
  } catch {
    // Busy (too many updates in flight), continuing as new, ending, or slow: the signal path takes
    // any load, and the keeper tells by signal. One signal a request, by the name every keeper has.
  }
  const replies: Array<KeeperReply | undefined> = [];
  for (const ask of asks) {
    if (ask.bySignalOnFailure) await signalAcquire(client, workflowId, taskQueue, target, ask.request);
    replies.push(ask.bySignalOnFailure ? 'later' : undefined);
  }
  return replies;
}

/** Asks by signal-with-start of `acquire`, which every keeper takes; the answer comes by signal. */
export async function signalAcquire(client: Client, workflowId: string, taskQueue: string, target: LimitTarget, request: SlotRequest): Promise<void> {
  const input: KeeperInput = { target };
  await client.workflow.signalWithStart(LIMIT_KEEPER.workflowType, {
    workflowId,
    taskQueue: keeperQueue(taskQueue),
    args: [input],
    signal: LIMIT_KEEPER.acquireSignal,
    signalArgs: [request],
  });
}

/**
 * Gives a slot back; releases from one process to one keeper go together while earlier ones are
 * in flight. A keeper that has ended holds nothing, so there is nothing to give back.
 */
export function giveSlotBack(client: Client, taskQueue: string, target: LimitTarget, requestId: string): Promise<void> {
  return giveSlotBackTo(client, keeperId(target, taskQueue), requestId);
}

/** giveSlotBack by the keeper's workflow id. */
export function giveSlotBackTo(client: Client, keeperWorkflowId: string, requestId: string): Promise<void> {
  let senders = releasers.get(client);
  if (!senders) {
    senders = new BatchedSenders((workflowId, requestIds) => sendReleases(client, workflowId, requestIds), RELEASES_IN_FLIGHT_PER_KEEPER, PER_MESSAGE);
    releasers.set(client, senders);
  }
  return senders.add(keeperWorkflowId, requestId);
}

async function sendReleases(client: Client, workflowId: string, requestIds: string[]): Promise<undefined[]> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    if (requestIds.length === 1) await handle.signal(LIMIT_KEEPER.releaseSignal, { requestId: requestIds[0] as string });
    else await handle.signal(LIMIT_KEEPER.releaseManySignal, { requestIds });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return requestIds.map(() => undefined);
}
