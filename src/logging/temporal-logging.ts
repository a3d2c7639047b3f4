// Routes the Temporal SDK's Runtime logger into Weft's pino logger: the worker's own messages,
// workflow and activity context logs, and the native Core's logs (forwarded, not printed).

import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
const VERBOSE = new Set(['trace', 'debug']);

/**
 * The SDK's `Logger` over a pino logger. Metadata keys follow Weft's vocabulary: the workflow
 * id is the `runId`, Temporal's own run id is `temporalRunId`; an `error` becomes pino's `err`.
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.logger[PINO_LEVEL[level]](renameMeta(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

function renameMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Symbol keys (the SDK's timestamp) are dropped: pino stamps its own time.
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'workflowId') out.runId = value;
    else if (key === 'runId' || key === 'workflowRunId') out.temporalRunId = value;
    else if (key === 'error') out.err = value;
    else out[key] = value;
  }
  return out;
}

let installed = false;

/**
 * Installs the SDK Runtime with `logger` (as a `component: temporal` child). The SDK's info
 * messages are lifecycle chatter that Weft reports itself, so they pass only when Weft logs at
 * debug or trace; warnings and errors always pass. Core's native logs are filtered at WARN
 * (INFO when verbose: its DEBUG logs every poll). Call before any worker or NativeConnection
 * exists; a Runtime already installed (a test's, say) is left as it is.
 */
export function installTemporalLogging(logger: Logger): void {
  if (installed) return;
  installed = true;
  const verbose = VERBOSE.has(logger.level);
  const child = logger.child({ component: 'temporal' }, { level: verbose ? logger.level : stricterOf(logger, 'warn') });
  try {
    Runtime.install({
      logger: new PinoSdkLogger(child),
      telemetryOptions: { logging: { filter: { core: verbose ? 'INFO' : 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch (error) {
    logger.debug({ err: error }, 'the Temporal Runtime was already installed; its logger stays');
  }
}

/** `level`, unless the logger is already stricter (error, fatal, silent). */
function stricterOf(logger: Logger, level: 'warn'): string {
  return logger.levelVal > (logger.levels.values[level] ?? 40) ? logger.level : level;
}
