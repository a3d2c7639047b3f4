// How the CLI speaks: results as JSON with --json or compact text otherwise; progress on
// stderr; errors as one line with a hint and a non-zero exit code, never a stack trace.

import { FlowValidationError, WeftError } from '../../core/errors.js';
import { terminalText } from './terminal-text.js';

export interface OutputOptions {
  json?: boolean;
}

export function printResult(options: OutputOptions, value: unknown, text: () => string): void {
  // Text for a person: no escape sequence from stored data reaches the terminal; fields that
  // could add lines are escaped where they are formatted (terminalText).
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${terminalText(text(), { keepNewlines: true })}\n`);
}

export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs a command body; any error becomes one line (or a JSON error) and exit code 1. */
export async function runCommand(options: OutputOptions, body: () => Promise<number | undefined>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    process.exitCode = 1;
    const weft = error instanceof WeftError ? error : undefined;
    const code = weft?.code ?? 'ERROR';
    const message = error instanceof Error ? error.message : String(error);
    if (options.json) {
      const problems = error instanceof FlowValidationError ? { errors: error.problems } : {};
      process.stdout.write(`${JSON.stringify({ error: { code, message, ...(weft?.hint ? { hint: weft.hint } : {}) }, ...problems }, null, 2)}\n`);
    } else {
      // Errors can quote flow text (a failed run's message): one line, controls escaped.
      process.stderr.write(`${terminalText(`error: ${message}${weft?.hint ? ` (hint: ${weft.hint})` : ''}`)}\n`);
    }
  }
}
