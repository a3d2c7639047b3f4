// Static analysis of one expression on its parsed CEL AST (never by regex): syntax and type
// problems, the names it reads through `outputs`, `inputs` and `vars`, the loop locals it
// uses, whether it calls `secret()`, and calls of functions that do not exist.

import { closest } from '../spec/suggest.js';
import { celEnvironment } from './cel-environment.js';

/** What validation needs to know about one expression. */
export interface ExpressionFacts {
  /** Syntax or type problem, first line of the parser's message; undefined when the expression is sound. */
  problem?: string;
  /** How to mend `problem`, when there is a way to say it (an unknown function's near names). */
  hint?: string;
  /** Task ids read as `outputs.<id>` or `outputs["<id>"]`. */
  outputRefs: string[];
  /** Input ids read as `inputs.<id>` or `inputs["<id>"]`. */
  inputRefs: string[];
  /** Var names read as `vars.<name>` or `vars["<name>"]`. */
  varRefs: string[];
  /** Fields of a trigger's event read as `trigger.<field>` or `trigger["<field>"]` (triggers' own expressions). */
  triggerRefs: string[];
  /** Scope locals read (`item`, `index`, `error`) that no macro binds here. */
  locals: string[];
  /** Names passed to `secret()`; non-empty means the expression reads a secret. */
  secrets: string[];
}

interface AstNode {
  op: string;
  args: unknown;
}

const MACROS_WITH_BINDING = new Set(['map', 'filter', 'all', 'exists', 'exists_one', 'bind', 'transformList', 'transformMap']);
const MAPS_READ = { outputs: 'outputRefs', inputs: 'inputRefs', vars: 'varRefs', trigger: 'triggerRefs' } as const;
const LOCALS = new Set(['item', 'index', 'error']);

/** Parses and checks an expression, then walks its AST for references, `secret()` calls and unknown functions. */
export function analyzeExpression(expr: string): ExpressionFacts {
  const env = celEnvironment();
  let ast: AstNode;
  try {
    ast = (env.parse(expr) as unknown as { ast: AstNode }).ast;
  } catch (error) {
    return { problem: firstLine(error), outputRefs: [], inputRefs: [], varRefs: [], triggerRefs: [], locals: [], secrets: [] };
  }
  const facts: ExpressionFacts = { outputRefs: [], inputRefs: [], varRefs: [], triggerRefs: [], locals: [], secrets: [] };
  const unknown: Array<{ name: string; method: boolean }> = [];
  walk(ast, facts, new Set(), unknown);
  const checked = env.check(expr);
  if (!checked.valid && checked.error) facts.problem = firstLine(checked.error);
  const first = unknown[0];
  // The checker says only "no matching overload"; name the function and what exists instead.
  if (first) Object.assign(facts, unknownFunction(first.name, first.method));
  return facts;
}

function walk(node: unknown, facts: ExpressionFacts, shadowed: ReadonlySet<string>, unknown: Array<{ name: string; method: boolean }>): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, facts, shadowed, unknown);
    return;
  }
  if (!isNode(node)) return;
  const { op, args } = node;
  if (op === 'id' && typeof args === 'string' && LOCALS.has(args) && !shadowed.has(args)) facts.locals.push(args);
  if ((op === '.' || op === '.?' || op === '[]' || op === '[?]') && Array.isArray(args)) {
    const [target, key] = args;
    if (isNode(target) && target.op === 'id' && typeof target.args === 'string' && Object.hasOwn(MAPS_READ, target.args) && !shadowed.has(target.args)) {
      const name = typeof key === 'string' ? key : isNode(key) && key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
      if (name !== undefined) facts[MAPS_READ[target.args as keyof typeof MAPS_READ]].push(name);
    }
  }
  if (op === 'call' && Array.isArray(args) && typeof args[0] === 'string') {
    if (args[0] === 'secret') {
      const [, callArgs] = args;
      const first = Array.isArray(callArgs) ? callArgs[0] : undefined;
      facts.secrets.push(isNode(first) && typeof first.args === 'string' ? first.args : '?');
    }
    if (!functionNames().global.has(args[0])) unknown.push({ name: args[0], method: false });
  }
  if (op === 'rcall' && Array.isArray(args) && typeof args[0] === 'string') {
    const name = args[0];
    if (!functionNames().method.has(name)) unknown.push({ name, method: true });
    if (MACROS_WITH_BINDING.has(name)) {
      const [, receiver, macroArgs] = args;
      walk(receiver, facts, shadowed, unknown);
      const binder = Array.isArray(macroArgs) ? macroArgs[0] : undefined;
      const inner = new Set(shadowed);
      if (isNode(binder) && binder.op === 'id' && typeof binder.args === 'string') inner.add(binder.args);
      if (Array.isArray(macroArgs)) walk(macroArgs.slice(1), facts, inner, unknown);
      return;
    }
  }
  walk(args, facts, shadowed, unknown);
}

let names: { global: Set<string>; method: Set<string> } | undefined;

/** Names of the functions the environment defines, free (`size(x)`) and as methods (`x.size()`). */
function functionNames(): { global: Set<string>; method: Set<string> } {
  if (names) return names;
  const definitions = celEnvironment().getDefinitions() as { functions: Array<{ name: string; receiverType: string | null }> };
  const found = { global: new Set<string>(), method: new Set<string>() };
  for (const fn of definitions.functions) (fn.receiverType ? found.method : found.global).add(fn.name);
  names = found;
  return found;
}

function unknownFunction(name: string, method: boolean): { problem: string; hint: string } {
  const { global, method: methods } = functionNames();
  const own = method ? methods : global;
  const other = method ? global : methods;
  const written = method ? `.${name}()` : `${name}()`;
  const list = `functions: ${[...global].sort().join(', ')}; methods: ${[...methods].sort().join(', ')}`;
  if (other.has(name)) {
    const how = method ? `${name}(value)` : `value.${name}(...)`;
    return { problem: `${written} is not a ${method ? 'method' : 'function'}`, hint: `${name} is a ${method ? 'function' : 'method'}: write ${how}; ${list}` };
  }
  const guess = closest(name, own);
  return {
    problem: `there is no ${method ? 'method' : 'function'} ${written}`,
    hint: `${guess ? `did you mean ${method ? '.' : ''}${guess}()? ` : ''}${list}`,
  };
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && 'op' in value && 'args' in value;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}
