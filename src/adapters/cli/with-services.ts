// How a CLI command reaches the services: a context opened lazily and always closed, whose
// waiting lines go to stderr.

import { ServicesContext } from '../../services/services-context.js';
import { progress } from './output.js';

/** Help text of `--temporal-wait`, on the commands that need Temporal. */
export const TEMPORAL_WAIT_HELP = 'seconds to wait for Temporal to answer (default WEFT_TEMPORAL_WAIT_SECONDS or 15; 0 tries once)';

/**
 * Applies a command's `--temporal-wait` value. It stands for WEFT_TEMPORAL_WAIT_SECONDS (read,
 * and checked, where the connection is made), so it also reaches what this process starts.
 */
export function useTemporalWaitOption(seconds: string | undefined): void {
  if (seconds !== undefined) process.env.WEFT_TEMPORAL_WAIT_SECONDS = seconds;
}

/** Runs `body` with a context that is always closed afterwards. */
export async function withServices<T>(body: (ctx: ServicesContext) => Promise<T>): Promise<T> {
  const ctx = new ServicesContext({ onProgress: progress });
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
