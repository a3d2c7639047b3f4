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
    const expected = VERBOSE.has(this.logger.level) ? undefined : expectedFailure(message, meta?.error);
    if (expected) this.logger[PINO_LEVEL[level]](...oneLine(message, meta ?? {}, expected));
    else this.logger[PINO_LEVEL[level]](renameMeta(meta), message);
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

/** JavaScript's own error names: a failure of one of these types is a bug in Weft's code (or a module's), not a task failing. */
const UNTYPED = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError', 'InternalError']);
/** Longest error message a one-line record carries, in characters. */
const MAX_MESSAGE_CHARS = 500;

/**
 * A failure Weft expects and reports itself (in the run and its logs): an activity's
 * ApplicationFailure of a type Weft gave it (a script's exit, an HTTP error), or a failed run.
 * A run fails only with its own typed failure (any other error in a workflow fails the workflow
 * task, which is retried); it reaches this logger as a bare copy without its type.
 */
function expectedFailure(what: string, error: unknown): { type?: string; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, type, message } = error as { name?: unknown; type?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (what === 'Workflow failed') return { message: text };
  if (name !== 'ApplicationFailure' || typeof type !== 'string' || !type || UNTYPED.has(type)) return undefined;
  return { type, message: text };
}

/**
 * An expected failure as one readable record: run, task, attempt and `Type: message`, no stack,
 * no failure details (a failed run's carry its whole timeline). WEFT_LOG_LEVEL=debug shows all.
 */
function oneLine(message: string, meta: LogMetadata, failure: { type?: string; message: string }): [Record<string, unknown>, string] {
  const fields: Record<string, unknown> = failure.type ? { errorType: failure.type } : {};
  if (typeof meta.workflowId === 'string') fields.runId = meta.workflowId;
  // Weft names each task activity `<task>[<iteration>]#<attempt>`.
  const activity = typeof meta.activityId === 'string' ? /^(.*)#(\d+)$/.exec(meta.activityId) : null;
  if (activity) {
    fields.task = activity[1];
    fields.attempt = Number(activity[2]);
  }
  const text = failure.message.replace(/\s*\n\s*/g, ' | ');
  const cut = text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
  const where = [fields.runId && `run ${fields.runId}`, activity && `task ${activity[1]} attempt ${activity[2]}`].filter(Boolean).join(' ');
  return [fields, `${message}${where ? ` (${where})` : ''}: ${failure.type ? `${failure.type}: ` : ''}${cut}`];
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
