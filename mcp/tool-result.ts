// How tool results look. Success: structured content, the same data as compact JSON in the first
// text block (many clients hand only `content` to the model), then a one-line summary. Failure:
// an `isError` result whose text says what was wrong, where, what would be valid and what to do
// next, then the same as JSON (code, hint, problems). Never a stack trace, never a secret.

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FlowValidationError, type ValidationProblem, WeftError } from '../src/core/errors.js';
import { ToolArgumentsError } from './tool-arguments.js';

/** Most validation problems listed in one error result. */
const MAX_PROBLEMS_LISTED = 25;
const INTERNAL_HINT = 'retry once; if it persists, check that the Weft worker and Temporal are running';

/**
 * The JSON block comes first so that a client reading only the first text block still gets
 * everything. It is the structured content itself, compact: tools bound their structured output
 * to STRUCTURED_BUDGET_BYTES so that both copies fit the response budget.
 */
export function toolSuccess(structured: Record<string, unknown>, summary: string): CallToolResult {
  const content = dropUndefined(structured);
  return {
    content: [
      { type: 'text', text: JSON.stringify(content) },
      { type: 'text', text: summary },
    ],
    structuredContent: content,
  };
}

/** An error the agent can act on, readable first, then as JSON. Unexpected errors keep only their message. */
export function toolError(error: unknown): CallToolResult {
  return {
    content: [
      { type: 'text', text: errorText(error) },
      { type: 'text', text: JSON.stringify({ error: errorData(error) }) },
    ],
    isError: true,
  };
}

/** What an error result carries as JSON: the stable code, the message, the hint and any problems. */
export interface ToolErrorData {
  code: string;
  message: string;
  hint?: string;
  problems?: ValidationProblem[];
  /** How many problems there were when more than MAX_PROBLEMS_LISTED. */
  problemsTotal?: number;
}

export function errorData(error: unknown): ToolErrorData {
  if (error instanceof WeftError) {
    const problems = problemsOf(error);
    return dropUndefined({
      code: error.code,
      message: error.message,
      hint: error.hint,
      problems: problems?.slice(0, MAX_PROBLEMS_LISTED),
      problemsTotal: problems && problems.length > MAX_PROBLEMS_LISTED ? problems.length : undefined,
    });
  }
  return { code: 'INTERNAL', message: firstLine(error instanceof Error ? error.message : String(error)), hint: INTERNAL_HINT };
}

export function errorText(error: unknown): string {
  const problems = error instanceof WeftError ? problemsOf(error) : undefined;
  if (error instanceof WeftError && problems) {
    const lines = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => `- ${p.path || '(root)'}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`);
    const more = problems.length > MAX_PROBLEMS_LISTED ? [`- … and ${problems.length - MAX_PROBLEMS_LISTED} more`] : [];
    return [`${error.code}: ${error.message}`, ...lines, ...more].join('\n');
  }
  if (error instanceof WeftError) return `${error.code}: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`;
  const message = error instanceof Error ? error.message : String(error);
  return `INTERNAL: ${firstLine(message)}\nhint: ${INTERNAL_HINT}`;
}

/** The problems of errors that collect them (a flow's validation, a tool call's arguments). */
function problemsOf(error: WeftError): ValidationProblem[] | undefined {
  if (error instanceof FlowValidationError || error instanceof ToolArgumentsError) return error.problems;
  return undefined;
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
