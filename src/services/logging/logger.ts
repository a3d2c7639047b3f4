// Weft's own process log (not run logs, which live in the store): pino JSON lines on stderr, or
// in WEFT_LOG_FILE. stdout stays for command results and for MCP's stdio protocol.

import { type DestinationStream, type Logger, pino } from 'pino';
import { ConfigError, WeftError } from '../../core/errors.js';

export type { Logger };

export const WEFT_LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type WeftLogLevel = (typeof WEFT_LOG_LEVELS)[number];

/**
 * Fields whose values never reach a record, at the top level or one object down (pino's
 * `redact`). Secret values themselves are never logged; this catches credentials passed along
 * in options or errors by mistake.
 */
const SECRET_FIELDS = [
  'password',
  'secret',
  'secretKey',
  'token',
  'apiKey',
  'authorization',
  'Authorization',
  'cookie',
  'privateKey',
  'taskToken',
  'TEMPORAL_API_KEY',
  'WEFT_SECRET_KEY',
];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`), 'headers.authorization', '*.headers.authorization'];

export interface LoggerSettings {
  /** Lowest level written (WEFT_LOG_LEVEL, default `info`). */
  level: WeftLogLevel;
  /** Append records to this file instead of stderr (WEFT_LOG_FILE). */
  file?: string;
}

/** Reads WEFT_LOG_LEVEL and WEFT_LOG_FILE; an unknown level is a ConfigError. */
export function loadLoggerSettings(env: NodeJS.ProcessEnv = process.env): LoggerSettings {
  const text = env.WEFT_LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!(WEFT_LOG_LEVELS as readonly string[]).includes(text)) {
    throw new ConfigError(`WEFT_LOG_LEVEL must be one of ${WEFT_LOG_LEVELS.join(', ')} (got "${env.WEFT_LOG_LEVEL}")`);
  }
  const file = env.WEFT_LOG_FILE?.trim();
  return { level: text as WeftLogLevel, ...(file ? { file } : {}) };
}

/**
 * A logger writing to `destination` when given (tests), else to the settings' file or stderr.
 * Writes are synchronous: volume is low, and records must not be lost when a command exits.
 */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const target = destination ?? pino.destination(settings.file ? { dest: settings.file, mkdir: true, sync: true } : { dest: 2, sync: true });
  return pino(
    {
      name: 'weft',
      level: settings.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    target,
  );
}

let processLogger: Logger | undefined;

/** The process's logger, made from the environment on first use. */
export function weftLogger(): Logger {
  processLogger ??= createLogger(loadLoggerSettings());
  return processLogger;
}

/** Records why a process failed: a WeftError (expected: configuration, Temporal unreachable) by code and message, without a stack; anything else with it. */
export function logFailure(logger: Logger, what: string, error: unknown): void {
  if (error instanceof WeftError) logger.error({ code: error.code, hint: error.hint }, `${what}: ${error.message}`);
  else logger.error({ err: error }, what);
}
