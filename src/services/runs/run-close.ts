// Knowing a run has closed the moment Temporal records it: a long poll on the run's history for
// its close event, as a Temporal client waits for a result. A waiter that polls on a timer (for
// progress) races its pauses against this, so the end is not seen a poll interval late.

import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const CLOSE_EVENT = proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;

/**
 * Resolves true once the run (its current execution when the poll starts) has closed, false when
 * the poll stops without that: `signal` aborted, any error, or a continue-as-new (the run goes on
 * in a new execution). The caller's own polling decides then. Never rejects.
 */
export async function closeEventSeen(client: Client, runId: string, signal: AbortSignal): Promise<boolean> {
  let nextPageToken: Uint8Array | undefined;
  try {
    while (!signal.aborted) {
      // The server holds each call until the event is written or its long-poll time (about 20 s)
      // runs out; an empty answer with a token means "still open, ask again".
      const response = await client.connection.withAbortSignal(signal, () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: client.options.namespace,
          execution: { workflowId: runId },
          waitNewEvent: true,
          historyEventFilterType: CLOSE_EVENT,
          skipArchival: true,
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      );
      const event = response.history?.events?.[0];
      if (event) return !event.workflowExecutionContinuedAsNewEventAttributes;
      nextPageToken = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : undefined;
    }
  } catch {
    // Aborted, the run gone, the connection lost: the caller's polling sees to it.
  }
  return false;
}
