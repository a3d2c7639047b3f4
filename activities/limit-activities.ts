// Activities of limits: reach a limit's keeper by update- or signal-with-start (a workflow cannot
// start one), deliver a keeper's answers to the runs, read a named limit's size, and wait for a
// holding run to end (the keeper's watch).

import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  type KeeperInput,
  type KeeperReply,
  keeperId,
  keeperQueue,
  LIMIT_KEEPER,
  type LimitTarget,
  type OutgoingAnswer,
  type SlotRequest,
} from '../src/core/runs/limit-types.js';
import type { LimitStore } from '../src/services/limits/limit-store.js';
import { BatchedSenders } from './batched-sender.js';
import { withHeartbeat } from './heartbeat.js';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** gRPC NOT_FOUND: the run is gone (past retention, or never existed). */
const NOT_FOUND = 5;

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
}

// Per client: the same keeper id names different keepers on different servers.
const askers = new WeakMap<Client, BatchedSenders<Ask, KeeperReply>>();
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
export function askKeeper(client: Client, taskQueue: string, target: LimitTarget, request: SlotRequest): Promise<KeeperReply> {
  let senders = askers.get(client);
  if (!senders) {
    senders = new BatchedSenders((workflowId, asks) => sendAsks(client, workflowId, asks), UPDATES_IN_FLIGHT_PER_KEEPER, PER_MESSAGE);
    askers.set(client, senders);
  }
  return senders.add(keeperId(target, taskQueue), { taskQueue, target, request });
}

async function sendAsks(client: Client, workflowId: string, asks: Ask[]): Promise<KeeperReply[]> {
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
  for (const request of requests) await signalAcquire(client, workflowId, taskQueue, target, request);
  return requests.map(() => 'later');
}

/** Asks by signal-with-start of `acquire`, which every keeper takes; the answer comes by signal. */
async function signalAcquire(client: Client, workflowId: string, taskQueue: string, target: LimitTarget, request: SlotRequest): Promise<void> {
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

export interface LimitActivityDeps {
  /** A client of the worker's own namespace, for the keepers and the runs they watch. */
  client: Client;
  limits: LimitStore;
}

export function createLimitActivities({ client, limits }: LimitActivityDeps) {
  return {
    /** Asks the keeper of `target` for a slot (askKeeper); `askId`, unique per ask of the run, is kept for runs recorded with it. */
    askSlot({ target, request }: { target: LimitTarget; request: SlotRequest; askId: string }): Promise<KeeperReply> {
      return askKeeper(client, Context.current().info.taskQueue, target, request);
    },

    /** Asks the keeper of `target` for a slot by signal, starting the keeper when none runs (runs recorded before askSlot). */
    acquireSlot({ target, request }: { target: LimitTarget; request: SlotRequest }): Promise<void> {
      const { taskQueue } = Context.current().info;
      return signalAcquire(client, keeperId(target, taskQueue), taskQueue, target, request);
    },

    /** Gives a slot back (giveSlotBack). */
    releaseSlot({ target, requestId }: { target: LimitTarget; requestId: string }): Promise<void> {
      return giveSlotBack(client, Context.current().info.taskQueue, target, requestId);
    },

    /**
     * Sends a keeper's answers to their runs, all at once: the runs (workflow ids) that have ended
     * or no longer exist, whose places the keeper then drops. Any other failure fails the step,
     * whose retry sends the whole batch again; a run takes a repeated answer as it took the first.
     */
    async deliverAnswers({ answers }: { answers: OutgoingAnswer[] }): Promise<string[]> {
      const gone: string[] = [];
      await Promise.all(
        answers.map(async ({ runId, answer }) => {
          try {
            await client.workflow.getHandle(runId).signal(LIMIT_KEEPER.answerSignal, answer);
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
            gone.push(runId);
          }
        }),
      );
      return gone;
    },

    /** A named limit's size; null when none is set (unlimited). */
    async readLimitSize(name: string): Promise<number | null> {
      return (await limits.get(name))?.limit ?? null;
    },

    /**
     * Returns when the run has ended, however it ended (terminated and timed-out runs run no code
     * of their own): a long poll on its close event, so the keeper hears of it at once.
     */
    async waitForRunEnd({ runId }: { runId: string }): Promise<void> {
      const namespace = client.options.namespace;
      await withHeartbeat(async (signal) => {
        for (;;) {
          try {
            const response = await client.connection.withAbortSignal(signal, () =>
              client.workflowService.getWorkflowExecutionHistory({
                namespace,
                execution: { workflowId: runId },
                waitNewEvent: true,
                historyEventFilterType: CLOSE_EVENT,
                skipArchival: true,
              }),
            );
            if ((response.history?.events?.length ?? 0) > 0) return;
          } catch (error) {
            if ((error as { code?: number }).code === NOT_FOUND) return;
            throw error;
          }
        }
      });
    },
  };
}
