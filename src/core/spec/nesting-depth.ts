// The bound on how deep maps and lists may nest in a flow or a run's inputs, checked without
// recursion so a hostile value cannot exhaust the stack that checks it. Pure: the workflow's
// input checks for subflows use it too.

import type { ValidationProblem } from '../errors.js';

/**
 * Deepest nesting of maps and lists in a flow document or a run's inputs (128 levels). Tasks
 * nest at most 32 deep (FLOW_LIMITS.maxDepth), two levels each, which leaves room for values.
 */
export const MAX_NESTING_DEPTH = 128;

/** Finds a JSON value nested deeper than `max` objects and arrays, without recursion. */
export function valueNestingProblem(value: unknown, max = MAX_NESTING_DEPTH, root = ''): ValidationProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: root }];
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return nestingProblem(path, max);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ value: v[i], depth: depth + 1, path: `${path}[${i}]` });
    } else for (const [k, child] of Object.entries(v)) stack.push({ value: child, depth: depth + 1, path: joinKey(path, k) });
  }
  return undefined;
}

export function nestingProblem(path: string, max: number, line?: number): ValidationProblem & { line?: number } {
  const short = path.length > 60 ? `${path.slice(0, 60)}…` : path;
  return {
    path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
    message: `${short || 'the document'} is nested deeper than ${max} levels of maps and lists`,
    hint: 'flatten the structure, or pass deep data as a JSON string and read it with fromJson()',
    ...(line === undefined ? {} : { line }),
  };
}

/** `a.b` for plain keys, `a."odd key"` otherwise. */
export function joinKey(path: string, key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${plain}` : plain;
}
