// Activities of limits: reach a limit's keeper (src/services/limits/keeper-client.ts: a workflow
// cannot start one), deliver a keeper's answers to the runs, read a named limit's size, and wait for a
// holding run to end (the keeper's watch).

import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type KeeperReply, keeperId, LIMIT_KEEPER, type LimitTarget, type OutgoingAnswer, type SlotRequest } from '../src/core/runs/limit-types.js';
import { askKeeper, giveSlotBack, signalAcquire } from '../src/services/limits/keeper-client.js';
import type { LimitStore } from '../src/services/limits/limit-store.js';
import { closeEvent } from '../src/services/runs/run-close.js';
import { withHeartbeat } from './heartbeat.js';

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
     * of their own): a long poll on its close event, so the keeper hears of it at once. A run that
     * continues as new holds its slots in the next execution, which the poll follows.
     */
    async waitForRunEnd({ runId }: { runId: string }): Promise<void> {
      await withHeartbeat((signal) => closeEvent(client, runId, signal));
    },
  };
}
