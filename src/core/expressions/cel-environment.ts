// The one CEL environment for flow expressions: the variables in scope, Weft's extra
// functions, mixed int/double arithmetic, and structural limits. Pure and deterministic:
// `now()` reads `Date`, which the Temporal workflow sandbox replaces with workflow time.

import { Environment } from '@marcbachmann/cel-js';
import { toCel } from './cel-values.js';
import { meterEvaluator } from './cost-budget.js';

/** Variables an expression may read; which ones hold a value depends on where it runs. */
export const SCOPE_VARIABLES = ['inputs', 'vars', 'outputs', 'run', 'item', 'index', 'error', 'trigger'] as const;

/**
 * Text that stands for a secret inside workflow code. The workflow never sees secret values:
 * `secret('X')` evaluates to this marker and the activity swaps in the value at the last moment.
 * The marker carries the run's secret nonce (`⟦weft-secret:X@nonce⟧`), which the activity is told
 * apart from the data, so that marker text arriving as data (an input, a response, an answer)
 * cannot name a secret: data entered the run before the nonce was drawn or outside `secret()`.
 * Without a nonce (a field where `secret()` is not allowed) the marker is inert text.
 */
export function secretMarker(name: string, nonce?: string): string {
  return nonce ? `\u27e6weft-secret:${name}@${nonce}\u27e7` : `\u27e6weft-secret:${name}\u27e7`;
}

/** Matches every secret marker, with or without a nonce; group 1 is the name, group 2 the nonce. */
export const SECRET_MARKER_PATTERN = /\u27e6weft-secret:([A-Za-z0-9_]{1,128})(?:@([A-Za-z0-9]{1,64}))?\u27e7/g;

/**
 * Key of the run's secret nonce in an evaluation scope. Not a CEL identifier, so no expression
 * can read it; only `secret()` does, and only the scopes of fields that allow `secret()` hold it.
 */
export const SECRET_NONCE_KEY = '$weftSecretNonce';

/** A macro rather than a function: only a macro sees the evaluation scope, where the nonce is. */
interface MacroArgs {
  args: unknown[];
}
interface MacroChecker {
  check(node: unknown, ctx: unknown): object;
  getType(name: string): unknown;
  createError(code: string, message: string, node: unknown): Error;
}
interface MacroEvaluator {
  run(node: unknown, ctx: unknown): unknown;
}
interface MacroScope {
  getValue(key: string): unknown;
}

function secretMacro({ args }: MacroArgs) {
  return {
    args,
    async: false,
    typeCheck(checker: MacroChecker, macro: MacroArgs, ctx: unknown) {
      const checked = checker.check(macro.args[0], ctx) as { name?: string };
      const type = checked.name ?? String(checked);
      if (type !== 'string' && type !== 'dyn') {
        throw checker.createError('no_matching_overload', `found no matching overload for 'secret(${type})'`, macro.args[0]);
      }
      return checker.getType('string');
    },
    evaluate(ev: MacroEvaluator, macro: MacroArgs, ctx: MacroScope) {
      const name = ev.run(macro.args[0], ctx);
      if (typeof name !== 'string' || !/^[A-Za-z0-9_]{1,128}$/.test(name)) {
        throw new Error(`secret name "${String(name)}" must match [A-Za-z0-9_]{1,128}`);
      }
      const nonce = ctx.getValue(SECRET_NONCE_KEY);
      return secretMarker(name, typeof nonce === 'string' ? nonce : undefined);
    },
  };
}

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
  // Descriptions feed the function catalog agents read (function-catalog.ts).
  env.registerFunction('now(): google.protobuf.Timestamp', () => new Date(), { description: 'the current time (the run’s time, replay-safe)' });
  env.registerFunction('secret(ast): string', secretMacro, { description: 'a secret by name, resolved only where secrets are allowed: secret("API_KEY")' });
  env.registerFunction('toJson(dyn): string', (value: unknown) => JSON.stringify(value, bigintReplacer), { description: 'the value as JSON text' });
  env.registerFunction('fromJson(string): dyn', (text: string) => toCel(JSON.parse(text)), { description: 'JSON text parsed into a value' });
  meterEvaluator(evaluatorOf(env));
  return env;
}

// The library keeps its evaluator private but hands it to every node it evaluates: a probe
// program whose root node records it gets hold of the one instance this environment uses.
function evaluatorOf(env: Environment): Parameters<typeof meterEvaluator>[0] {
  const probe = env.parse('null') as unknown as ((ctx: object) => unknown) & { ast: { evaluate: (ev: unknown) => unknown } };
  let found: unknown;
  probe.ast.evaluate = (ev: unknown) => {
    found = ev;
    return null;
  };
  probe({});
  if (found === null || typeof found !== 'object' || typeof (found as { run?: unknown }).run !== 'function') {
    throw new Error('the CEL evaluator was not found: the cost budget cannot be applied');
  }
  return found as Parameters<typeof meterEvaluator>[0];
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
