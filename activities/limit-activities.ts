// Activities of limits: reach a limit's keeper by update- or signal-with-start (a workflow cannot
// start one), deliver a keeper's answers to the runs, read a named limit's size, and wait for a
// holding run to end (the keeper's watch).

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
import { withHeartbeat } from './heartbeat.js';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** gRPC NOT_FOUND: the run is gone (past retention, or never existed). */
const NOT_FOUND = 5;

/**
 * Asks by update at most this many at once per keeper from one process; the rest go by signal.
 * Temporal refuses more than 10 updates in flight per workflow (and retries a refused call for
 * seconds), so a few workers asking at once stay under it, and under a burst most requests take
 * the signal path, which has no such bound.
 */
const UPDATES_IN_FLIGHT_PER_KEEPER = 3;
/** How long an ask by update may take before the request goes by signal instead. */
const ASK_DEADLINE_MS = 3000;

const asking = new Map<string, number>();

/**
 * Asks `target`'s keeper for a slot, starting the keeper when none runs: by update, whose result
 * is the keeper's reply, unless this process already has UPDATES_IN_FLIGHT_PER_KEEPER asks in
 * flight to it or the update fails; then by signal, and the answer comes by signal (`later`).
 * Both reach the same decision in the keeper, which knows a request by its id, so an update that
 * went through after all and its signal after it take one place.
 */
export async function askKeeper(client: Client, taskQueue: string, target: LimitTarget, request: SlotRequest, askId: string): Promise<KeeperReply> {
  const workflowId = keeperId(target, taskQueue);
  const input: KeeperInput = { target };
  const inFlight = asking.get(workflowId) ?? 0;
  if (inFlight < UPDATES_IN_FLIGHT_PER_KEEPER) {
    asking.set(workflowId, inFlight + 1);
    try {
      const startWorkflowOperation = new WithStartWorkflowOperation(LIMIT_KEEPER.workflowType, {
        workflowId,
        taskQueue: keeperQueue(taskQueue),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return await client.connection.withDeadline(Date.now() + ASK_DEADLINE_MS, () =>
        client.workflow.executeUpdateWithStart(LIMIT_KEEPER.askUpdate, { args: [request], updateId: askId, startWorkflowOperation }),
      );
    } catch {
      // Busy (too many updates in flight), continuing as new, ending, or slow: the signal path
      // takes any load, and the keeper tells by signal.
    } finally {
      const left = (asking.get(workflowId) ?? 1) - 1;
      if (left > 0) asking.set(workflowId, left);
      else asking.delete(workflowId);
    }
  }
  await client.workflow.signalWithStart(LIMIT_KEEPER.workflowType, {
    workflowId,
    taskQueue: keeperQueue(taskQueue),
    args: [input],
    signal: LIMIT_KEEPER.acquireSignal,
    signalArgs: [request],
  });
  return 'later';
}

/** Gives a slot back; a keeper that has ended holds nothing, so there is nothing to give back. */
export async function giveSlotBack(client: Client, taskQueue: string, target: LimitTarget, requestId: string): Promise<void> {
  try {
    await client.workflow.getHandle(keeperId(target, taskQueue)).signal(LIMIT_KEEPER.releaseSignal, { requestId });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

export interface LimitActivityDeps {
  /** A client of the worker's own namespace, for the keepers and the runs they watch. */
  client: Client;
  limits: LimitStore;
}

export function createLimitActivities({ client, limits }: LimitActivityDeps) {
  return {
    /** Asks the keeper of `target` for a slot (askKeeper); `askId` is unique per ask of the run. */
    askSlot({ target, request, askId }: { target: LimitTarget; request: SlotRequest; askId: string }): Promise<KeeperReply> {
      return askKeeper(client, Context.current().info.taskQueue, target, request, askId);
    },

    /** Asks the keeper of `target` for a slot by signal, starting the keeper when none runs (runs recorded before askSlot). */
    async acquireSlot({ target, request }: { target: LimitTarget; request: SlotRequest }): Promise<void> {
      const input: KeeperInput = { target };
      const { taskQueue } = Context.current().info;
      await client.workflow.signalWithStart(LIMIT_KEEPER.workflowType, {
        workflowId: keeperId(target, taskQueue),
        taskQueue: keeperQueue(taskQueue),
        args: [input],
        signal: LIMIT_KEEPER.acquireSignal,
        signalArgs: [request],
      });
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
