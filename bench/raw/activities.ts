// The raw baseline's activities: the same HTTP call Weft's http task makes, and the signal a
// run's release step sends a limit's keeper.
import { Context } from '@temporalio/activity';

/** How often the heartbeating call heartbeats: as often as Weft's activities (activities/heartbeat.ts). */
const HEARTBEAT_EVERY_MS = 2000;

export function createRawActivities() {
  const callUrl = async (url: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  };
  return {
    callUrl,
    /** Gives a limit's slot back by signal to its keeper, as a run's releaseSlot step does (activities/limit-activities.ts). */
    async releaseSlotTo(keeperId: string, requestId: string): Promise<void> {
      await Context.current().client.workflow.getHandle(keeperId).signal('release', { requestId });
    },
    async callUrlHeartbeating(url: string): Promise<{ status: number; body: unknown }> {
      const ctx = Context.current();
      const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await callUrl(url);
      } finally {
        clearInterval(timer);
      }
    },
  };
}
