// The raw baseline's activities: the same HTTP call Weft's http task makes, and the anchor
// chain's fib(n).
import { Context } from '@temporalio/activity';

/** How often the heartbeating call heartbeats: as often as Weft's activities (activities/heartbeat.ts). */
const HEARTBEAT_EVERY_MS = 2000;

/** fib(n), recursive: the work of each task of the anchor chain (workload 18). */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function createRawActivities() {
  const callUrl = async (url: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  };
  return {
    callUrl,
    async computeFib(n: number): Promise<number> {
      return fib(n);
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
