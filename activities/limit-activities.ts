// Activities of limits: reach a limit's keeper by signal-with-start (a workflow cannot start
// one), read a named limit's size, and wait for a holding run to end (the keeper's watch).

import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { type KeeperInput, keeperId, keeperQueue, LIMIT_KEEPER, type LimitTarget, type SlotRequest } from '../src/core/runs/limit-types.js';
import type { LimitStore } from '../src/services/limits/limit-store.js';
import { withHeartbeat } from './heartbeat.js';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** gRPC NOT_FOUND: the run is gone (past retention, or never existed). */
const NOT_FOUND = 5;

export interface LimitActivityDeps {
  /** A client of the worker's own namespace, for the keepers and the runs they watch. */
  client: Client;
  limits: LimitStore;
}

export function createLimitActivities({ client, limits }: LimitActivityDeps) {
  return {
    /** Asks the keeper of `target` for a slot, starting the keeper when none runs. */
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

    /** Gives a slot back; a keeper that has ended holds nothing, so there is nothing to give back. */
    async releaseSlot({ target, requestId }: { target: LimitTarget; requestId: string }): Promise<void> {
      const { taskQueue } = Context.current().info;
      try {
        await client.workflow.getHandle(keeperId(target, taskQueue)).signal(LIMIT_KEEPER.releaseSignal, { requestId });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
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
