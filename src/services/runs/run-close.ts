// Knowing a run has closed the moment Temporal records it: a long poll on the run's history for
// its close event, as a Temporal client waits for a result. A limit keeper's watch waits on it for
// a holding run's end; a waiter that polls on a timer (for progress) races its pauses against it,
// so the end is not seen a poll interval late.

import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** gRPC NOT_FOUND: the run is gone (past retention, or never existed). */
const NOT_FOUND = 5;

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/**
 * The close event of the run once Temporal records it, or `not-found` when there is no such run.
 * A continue-as-new is not the run's end: the poll follows it into the next execution (the run id
 * is the workflow id, shared by every execution). Rejects when `signal` aborts, and on any other
 * error.
 */
export async function closeEvent(client: Client, runId: string, signal: AbortSignal): Promise<HistoryEvent | 'not-found'> {
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    let response: proto.temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
    try {
      // The server holds each call until the event is written or its long-poll time (about 20 s)
      // runs out; an empty answer with a token means "still open, ask again".
      response = await client.connection.withAbortSignal(signal, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: client.options.namespace,
          execution: { workflowId: runId },
          waitNewEvent: true,
          historyEventFilterType: CLOSE_EVENT,
          skipArchival: true,
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      );
    } catch (error) {
      if ((error as { code?: number }).code === NOT_FOUND) return 'not-found';
      throw error;
    }
    const event = response.history?.events?.[0];
    if (event && !event.workflowExecutionContinuedAsNewEventAttributes) return event;
    // Still open, or continued as new: a fresh poll (no token) reads the current execution.
    nextPageToken = !event && response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
  }
}

/**
 * Resolves true once the run has closed (closeEvent), false when the poll stops without that:
 * `signal` aborted, the run not found, or any error. The caller's own polling decides then.
 * Never rejects.
 */
export async function closeEventSeen(client: Client, runId: string, signal: AbortSignal): Promise<boolean> {
  try {
    return (await closeEvent(client, runId, signal)) !== 'not-found';
  } catch {
    // Aborted, the connection lost: the caller's polling sees to it.
    return false;
  }
}
