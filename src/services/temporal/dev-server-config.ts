// Dynamic config the embedded dev server starts with; every value can be overridden with
// WEFT_TEMPORAL_DYNAMIC_CONFIG. Measured with `npm run bench:settings` (raw Temporal, 40
// sequential activities, 2-core machine, 2026-11-23): defaults 101 ms/step; with
// transferProcessorMaxPollRPS 34.5; with eager activity execution added 30.3. The timer,
// visibility and partition settings did not move this workload beyond noise; they are kept for
// retry backoff, sleeps and approval timeouts (timers) and for fresh `list runs` results.

/**
 * - `history.transferProcessorMaxPollRPS` (default 20 per shard): the dev server has one shard,
 *   so the default throttles chains of sequential activities after a short burst.
 * - `history.timerProcessorMaxPollRPS` (default 20): the same throttle for timers (retry backoff,
 *   sleep tasks, approval timeouts).
 * - `history.visibilityProcessorMaxPollRPS` (default 20): keeps `list runs` current under load.
 * - `system.enableActivityEagerExecution` (default false): a workflow task's completion may carry
 *   its first activity straight to the worker that scheduled it, skipping a matching round trip.
 * - `matching.numTaskqueue{Read,Write}Partitions` (default 4): one worker fleet on a dev server
 *   gains nothing from partitions, and every extra partition adds poll forwarding.
 */
export const TUNED_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.transferProcessorMaxPollRPS': '10000',
  'history.timerProcessorMaxPollRPS': '10000',
  'history.visibilityProcessorMaxPollRPS': '10000',
  'system.enableActivityEagerExecution': 'true',
  'matching.numTaskqueueReadPartitions': '1',
  'matching.numTaskqueueWritePartitions': '1',
};

/**
 * SQLite pragmas of the dev server's database file; override with WEFT_TEMPORAL_SQLITE_PRAGMAS
 * (`synchronous=full` for an fsync at every commit). The dev server's default journal commits
 * each of the several writes a workflow step makes with its own fsyncs. In WAL mode with
 * `synchronous=normal` a commit is durable against a crash or kill of any process (the server
 * restart test kills it); only an operating-system crash or power loss can undo the last commits.
 * Measured with `npm run bench -- --quick` (2-core machine, 2026-12-01): raw Temporal, 40
 * sequential activities 27.3 -> 20.0 ms/step; 100-item fan-out 1,016 -> 477 ms; one-activity
 * workflows p50 116 -> 45 ms and 9 -> 39 runs/s with 50 at once.
 */
export const TUNED_SQLITE_PRAGMAS: Readonly<Record<string, string>> = {
  journal_mode: 'wal',
  synchronous: 'normal',
};

/** Parses `key=value,key=value` overrides (WEFT_TEMPORAL_DYNAMIC_CONFIG, WEFT_TEMPORAL_SQLITE_PRAGMAS). */
export function parseDynamicConfigOverrides(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}
