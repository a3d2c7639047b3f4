// The raw baseline's activities: the same HTTP call Weft's http task makes.
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
