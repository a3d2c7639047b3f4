// Bounded waiting on a run: returns when the run closes or the time is up, whichever comes
// first, and reports each task that finishes and each approval that starts waiting, as it
// happens. Adapters (MCP `waitSeconds`, CLI `--watch`) build on it; nothing here blocks
// longer than the caller allows.

import { setTimeout as delay } from 'node:timers/promises';
import { type PendingApproval, type TaskRunRecord, taskRunKey } from '../core/runs/run-types.js';
import type { RunDetail, RunService } from './run-service.js';

const FINISHED = new Set(['COMPLETED', 'CACHED', 'SKIPPED', 'FAILED', 'CANCELLED']);
// The first look at progress waits this long: a task that ends sooner is reported with the
// run's end, and a query to the run's worker while the run's first tasks execute would slow them.
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 250;

export interface RunWaitHooks {
  /** A task run reached a final state; `done` of `total` known task runs are final. */
  onTaskFinished?(task: TaskRunRecord, done: number, total: number): void | Promise<void>;
  /** An approval started waiting (reported once per approval); `true` ends the wait now. */
  onApproval?(approval: PendingApproval, remainingMs: number): boolean | undefined | Promise<boolean | undefined>;
}

/** Waits up to `waitMs` for the run to close; returns its detail either way. */
export async function waitForRunEnd(runs: RunService, runId: string, waitMs: number, hooks: RunWaitHooks = {}, signal?: AbortSignal): Promise<RunDetail> {
  const deadline = Date.now() + Math.max(0, waitMs);
  const reported = new Set<string>();
  const offered = new Set<string>();
  let pause = FIRST_POLL_MS;
  // The timer paces progress reports; the run's end wakes the wait at once, by long poll. A long
  // poll that fails resolves nothing and leaves the pauses to the timer.
  const waitOver = new AbortController();
  const onAbort = () => waitOver.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  const closed = runs.closeEventSeen(runId, waitOver.signal).then((seen) => {
    if (!seen) return new Promise<never>(() => {});
    ended = true;
  });
  try {
    while (!signal?.aborted) {
      const left = deadline - Date.now();
      if (left > 0 && !ended) {
        await Promise.race([delay(Math.min(pause, left), undefined, { signal: waitOver.signal }).catch(() => undefined), closed]);
        pause = Math.min(MAX_POLL_MS, pause * 2);
      }
      if (ended || (await runs.isClosed(runId))) break;
      if (Date.now() >= deadline) break;
      if (hooks.onTaskFinished || hooks.onApproval) {
        const live = await runs.live(runId).catch(() => undefined);
        if (live) {
          const done = live.tasks.filter((t) => FINISHED.has(t.state));
          for (const task of done) {
            const key = taskRunKey(task.id, task.iteration);
            if (reported.has(key)) continue;
            reported.add(key);
            await hooks.onTaskFinished?.(task, reported.size, live.tasks.length);
          }
          let stopWaiting = false;
          for (const approval of live.approvals) {
            const key = taskRunKey(approval.taskId, approval.iteration);
            if (offered.has(key)) continue;
            offered.add(key);
            if (await hooks.onApproval?.(approval, deadline - Date.now())) stopWaiting = true;
          }
          if (stopWaiting) break;
        }
      }
    }
  } finally {
    waitOver.abort();
    signal?.removeEventListener('abort', onAbort);
  }
  const detail = await runs.get(runId, { ended });
  if (hooks.onTaskFinished) {
    // Tasks that finished between the last poll and the close are reported too.
    const total = detail.tasks.length;
    for (const task of detail.tasks) {
      const key = taskRunKey(task.id, task.iteration);
      if (!FINISHED.has(task.state) || reported.has(key)) continue;
      reported.add(key);
      await hooks.onTaskFinished(task, reported.size, total);
    }
  }
  return detail;
}
