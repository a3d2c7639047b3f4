// Runs work in a cancellation scope that a timer cancels, so the caller can tell a timeout
// from any other cancellation (and still run cleanup afterwards).

import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/** Thrown when a task's own `timeout` (for tasks that run in workflow code) passes. Retryable. */
export class TaskTimedOut extends Error {
  override name = 'TaskTimedOut';
}

/** Runs `fn`; if `ms` passes first, cancels it and calls `onTimeout` before the rejection surfaces. */
export async function runWithTimeout<T>(ms: number, fn: () => Promise<T>, onTimeout: () => void): Promise<T> {
  const work = new CancellationScope();
  const timer = new CancellationScope();
  const watchdog = timer.run(async () => {
    await sleep(ms);
    onTimeout();
    work.cancel();
  });
  watchdog.catch((error) => {
    if (!isCancellation(error)) throw error;
  });
  try {
    return await work.run(fn);
  } finally {
    timer.cancel();
  }
}
