// Run log retention for the processes that own the store (`weft dev`, `weft worker`): prune
// lines older than WEFT_LOG_RETENTION_DAYS at start, then every hour, and say how many went.

import type { Logger } from 'pino';
import type { LogService } from '../log-service.js';

/** How often the retention job runs after the first time, in ms (one hour). */
export const LOG_RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface LogRetentionOptions {
  logs: LogService;
  /** Days to keep; 0 keeps run logs forever and starts no job. */
  retentionDays: number;
  logger: Logger;
  /** Between runs, in ms (default one hour). */
  intervalMs?: number;
}

export interface LogRetentionJob {
  /** The first pruning, run at once; resolves with how many lines went (never rejects). */
  first: Promise<number>;
  /** Stops the timer and waits for a pruning under way, so the store can be closed after it. */
  stop(): Promise<void>;
}

/** Prunes once and logs the outcome; a failure is logged, not thrown (the next hour tries again). */
export async function pruneRunLogs(options: Pick<LogRetentionOptions, 'logs' | 'retentionDays' | 'logger'>, now: Date = new Date()): Promise<number> {
  const { logs, retentionDays, logger } = options;
  try {
    const deleted = await logs.pruneExpired(retentionDays, now);
    logger[deleted > 0 ? 'info' : 'debug'](
      { deleted, retentionDays },
      `log retention: pruned ${deleted} run log line${deleted === 1 ? '' : 's'} older than ${retentionDays} days`,
    );
    return deleted;
  } catch (error) {
    logger.error({ err: error, retentionDays }, 'log retention: pruning run logs failed');
    return 0;
  }
}

/** Starts the job: prunes now, then on an unref'd timer, so it never keeps the process alive. */
export function startLogRetention(options: LogRetentionOptions): LogRetentionJob {
  if (options.retentionDays <= 0) {
    options.logger.debug('log retention: off (WEFT_LOG_RETENTION_DAYS=0), run logs are kept forever');
    return { first: Promise.resolve(0), stop: async () => {} };
  }
  let running: Promise<number> = pruneRunLogs(options);
  const timer = setInterval(() => {
    running = running.then(() => pruneRunLogs(options));
  }, options.intervalMs ?? LOG_RETENTION_INTERVAL_MS);
  timer.unref();
  return {
    first: running,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
