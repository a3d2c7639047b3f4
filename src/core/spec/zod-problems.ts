// Turns zod issues into validation problems in the spec's path format and message style.

import type { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { closest } from './suggest.js';

/** Renders a path array as `tasks[2].retry.maxAttempts`. */
export function formatPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${typeof value}` : text;
}

/** Maps zod issues to problems; `subject` names the thing being validated in unknown-field messages. */
export function problemsFromZod(issues: readonly z.core.$ZodIssue[], base: string, allowedFields: readonly string[], subject: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const issue of issues) {
    const path = formatPath(base, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const guess = issue.path.length === 0 ? closest(key, allowedFields) : undefined;
        const allowed = issue.path.length === 0 ? `allowed fields: ${allowedFields.join(', ')}` : undefined;
        problems.push({
          path: formatPath(path, [key]),
          message: `${formatPath(path, [key])} is not a field of ${subject}`,
          ...(allowed ? { hint: guess ? `did you mean "${guess}"? ${allowed}` : allowed } : {}),
        });
      }
      continue;
    }
    problems.push({ path, message: `${path || 'the document'} ${predicate(issue)}` });
  }
  return problems;
}

function predicate(issue: z.core.$ZodIssue): string {
  const input = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return input === undefined ? 'is required' : `must be ${article(issue.expected)} (got ${describe(input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(input)})`;
    case 'invalid_union':
      return `is not valid (got ${describe(input)}): ${firstUnionMessage(issue)}`;
    default:
      return `${issue.message}${input !== undefined && !issue.message.includes('(got') ? ` (got ${describe(input)})` : ''}`;
  }
}

function firstUnionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const first = issue.errors[0]?.[0];
  return first ? first.message : 'no alternative matched';
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'a boolean',
    object: 'a map',
    array: 'a list',
    record: 'a map',
  };
  return names[expected] ?? expected;
}
