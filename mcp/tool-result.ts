// How tool results look: structured content plus a short text summary on success; on failure an
// `isError` result whose text says what was wrong, where, what would be valid and what to do
// next. Never a stack trace, never a secret (error messages are written by Weft, not echoed
// from inputs beyond the names they cite).

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FlowValidationError, WeftError } from '../src/errors.js';

/** Most validation problems listed in one error result. */
const MAX_PROBLEMS_LISTED = 25;

export function toolSuccess(structured: Record<string, unknown>, summary: string): CallToolResult {
  return { content: [{ type: 'text', text: summary }], structuredContent: dropUndefined(structured) };
}

/** An error the agent can act on. Unexpected errors keep only their message. */
export function toolError(error: unknown): CallToolResult {
  return { content: [{ type: 'text', text: errorText(error) }], isError: true };
}

export function errorText(error: unknown): string {
  if (error instanceof FlowValidationError) {
    const lines = error.problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => `- ${p.path || '(root)'}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`);
    const more = error.problems.length > MAX_PROBLEMS_LISTED ? [`- … and ${error.problems.length - MAX_PROBLEMS_LISTED} more`] : [];
    return [`${error.code}: ${error.message}`, ...lines, ...more].join('\n');
  }
  if (error instanceof WeftError) return `${error.code}: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`;
  const message = error instanceof Error ? error.message : String(error);
  return `INTERNAL: ${firstLine(message)}\nhint: retry once; if it persists, check that the Weft worker and Temporal are running`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/** Structured results omit absent optional fields instead of sending undefined or null. */
export function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = dropUndefined(entry);
    return out as T;
  }
  return value;
}
