// Keeps a running activity's heartbeat going so a lost worker is detected within the heartbeat
// timeout, and exposes the activity's cancellation as an AbortSignal.

import { Context } from '@temporalio/activity';

/** How often activities heartbeat while they work. */
const HEARTBEAT_EVERY_MS = 2000;

export async function withHeartbeat<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // No heartbeat at the start: most tasks finish well inside the first interval, and an
  // immediate heartbeat would cost every short task an extra server call.
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work(ctx.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
