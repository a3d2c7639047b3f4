// A tool call's arguments, checked against the tool's closed input schema: an unknown or
// misspelt argument is refused with the valid names and a did-you-mean rather than ignored, and
// every problem names the argument, what was wrong and what would be valid.

import { z } from 'zod';
import { type ValidationProblem, WeftError } from '../src/core/errors.js';
import { closest } from '../src/core/spec/suggest.js';

/** Thrown when a tool call's arguments do not fit the tool's input schema; carries every problem. */
export class ToolArgumentsError extends WeftError {
  readonly tool: string;
  readonly problems: ValidationProblem[];

  constructor(tool: string, problems: ValidationProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    const detail = first ? `${first.path || '(arguments)'} ${first.message}` : 'unknown problem';
    super('INVALID_ARGUMENTS', `${tool} arguments are invalid: ${detail}${more}`, {
      hint: first?.hint ?? `the arguments of ${tool} and their types are in its inputSchema (tools/list)`,
    });
    this.tool = tool;
    this.problems = problems;
  }
}

/**
 * The schema a tool's arguments are checked against, also the one `tools/list` advertises:
 * closed (`additionalProperties: false`), since zod would otherwise drop an unknown argument
 * without a word and the call would run as if it had never been given.
 */
export function toolInputSchema(shape: z.ZodRawShape): z.ZodObject {
  return z.strictObject(shape);
}

/** Parses arguments, or throws a ToolArgumentsError listing every problem. */
export async function parseToolArguments(tool: string, schema: z.ZodObject, args: unknown): Promise<Record<string, unknown>> {
  const parsed = await schema.safeParseAsync(args ?? {});
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const valid = Object.keys(schema.shape);
  const problems = parsed.error.issues.flatMap((issue) => problemsOf(tool, issue, valid, args));
  throw new ToolArgumentsError(tool, problems);
}

function problemsOf(tool: string, issue: z.core.$ZodIssue, valid: readonly string[], args: unknown): ValidationProblem[] {
  const path = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    // Only the top level is a closed object of named arguments; deeper ones are the caller's data.
    return issue.keys.map((key) => {
      const suggestion = suggestArgument(key, valid);
      return {
        path: path ? `${path}.${key}` : key,
        message: `is not an argument of ${tool}: valid arguments are ${valid.join(', ')}`,
        hint: suggestion ? `did you mean "${suggestion}"?` : `remove it, or use one of ${valid.join(', ')}`,
      };
    });
  }
  if (issue.code === 'invalid_type' && valueAt(args, issue.path) === undefined) {
    return [{ path, message: `is required (expected ${issue.expected})`, hint: `pass ${path}` }];
  }
  return [{ path, message: `is invalid: ${lowerFirst(issue.message)}` }];
}

/** The closest argument name, or one the word begins (`wait` for `waitSeconds`). */
export function suggestArgument(word: string, valid: readonly string[]): string | undefined {
  const near = closest(word, valid);
  if (near) return near;
  const lower = word.toLowerCase();
  return lower.length >= 3 ? valid.find((name) => name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase())) : undefined;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? `${text[0]?.toLowerCase()}${text.slice(1)}` : text;
}
