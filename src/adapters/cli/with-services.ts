// How a CLI command reaches the services: the configuration read from the environment and the
// command's flags, the services built from it (opened lazily, always closed), waiting lines on stderr.

import { type ConfigFlags, loadConfig, type WeftConfig } from '../../services/config/weft-config.js';
import { buildServices, type ServicesContext } from '../../services/services-context.js';
import { progress } from './output.js';

/** Help text of `--temporal-wait`, on the commands that need Temporal. */
export const TEMPORAL_WAIT_HELP = 'seconds to wait for Temporal to answer (default WEFT_TEMPORAL_WAIT_SECONDS or 15; 0 tries once)';

// The flags of the command being run; commander parses one command per process.
let commandFlags: ConfigFlags = {};

/**
 * Records a command's `--temporal-wait` value: it stands for WEFT_TEMPORAL_WAIT_SECONDS in the
 * configuration of this command (and of the worker it may start), and is checked there.
 */
export function useTemporalWaitOption(seconds: string | undefined): void {
  if (seconds !== undefined) commandFlags = { ...commandFlags, temporalWait: seconds };
}

/** The configuration of this command: the environment, and its flags over it. */
export function cliConfig(flags: ConfigFlags = {}): WeftConfig {
  return loadConfig(process.env, { ...commandFlags, ...definedOnly(flags) });
}

/** Runs `body` with the services of this command's configuration, always closed afterwards. */
export async function withServices<T>(body: (ctx: ServicesContext) => Promise<T>, flags: ConfigFlags = {}): Promise<T> {
  const ctx = buildServices(cliConfig(flags), { onProgress: progress });
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

function definedOnly(flags: ConfigFlags): ConfigFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
}
