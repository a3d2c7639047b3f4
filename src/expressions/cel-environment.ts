// The one CEL environment for flow expressions: the variables in scope, Weft's extra
// functions, mixed int/double arithmetic, and structural limits. Pure and deterministic:
// `now()` reads `Date`, which the Temporal workflow sandbox replaces with workflow time.

import { Environment } from '@marcbachmann/cel-js';
import { toCel } from './cel-values.js';

/** Variables an expression may read; which ones hold a value depends on where it runs. */
export const SCOPE_VARIABLES = ['inputs', 'vars', 'outputs', 'run', 'item', 'index', 'error'] as const;

/**
 * Text that stands for a secret inside workflow code. The workflow never sees secret values:
 * `secret('X')` evaluates to this marker and the activity swaps in the value at the last moment.
 */
export function secretMarker(name: string): string {
  return `\u27e6weft-secret:${name}\u27e7`;
}

/** Matches every secret marker; group 1 is the secret's name. */
export const SECRET_MARKER_PATTERN = /\u27e6weft-secret:([A-Za-z0-9_]{1,128})\u27e7/g;

const ARITHMETIC = {
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
  '%': (a: number, b: number) => a % b,
} as const;

function buildEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
    limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
  });
  for (const name of SCOPE_VARIABLES) env.registerVariable(name, 'dyn');
  // JSON numbers mix with literals in any arithmetic (the spec's number rule).
  for (const [op, fn] of Object.entries(ARITHMETIC)) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => fn(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => fn(Number(a), b));
  }
  env.registerFunction('now(): google.protobuf.Timestamp', () => new Date());
  env.registerFunction('secret(string): string', (name: string) => {
    if (!/^[A-Za-z0-9_]{1,128}$/.test(name)) throw new Error(`secret name "${name}" must match [A-Za-z0-9_]{1,128}`);
    return secretMarker(name);
  });
  env.registerFunction('toJson(dyn): string', (value: unknown) => JSON.stringify(value, bigintReplacer));
  env.registerFunction('fromJson(string): dyn', (text: string) => toCel(JSON.parse(text)));
  return env;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

let shared: Environment | undefined;

/** The shared environment, built on first use (building one is costly). */
export function celEnvironment(): Environment {
  shared ??= buildEnvironment();
  return shared;
}
