// Static analysis of one expression on its parsed CEL AST (never by regex): syntax and type
// problems, the task ids it reads through `outputs`, and whether it calls `secret()`.

import { celEnvironment } from './cel-environment.js';

/** What validation needs to know about one expression. */
export interface ExpressionFacts {
  /** Syntax or type problem, first line of the parser's message; undefined when the expression is sound. */
  problem?: string;
  /** Task ids read as `outputs.<id>` or `outputs["<id>"]`. */
  outputRefs: string[];
  /** Names passed to `secret()`; non-empty means the expression reads a secret. */
  secrets: string[];
}

interface AstNode {
  op: string;
  args: unknown;
}

const MACROS_WITH_BINDING = new Set(['map', 'filter', 'all', 'exists', 'exists_one', 'transformList', 'transformMap']);

/** Parses and checks an expression, then walks its AST for `outputs` references and `secret()` calls. */
export function analyzeExpression(expr: string): ExpressionFacts {
  const env = celEnvironment();
  let ast: AstNode;
  try {
    ast = (env.parse(expr) as unknown as { ast: AstNode }).ast;
  } catch (error) {
    return { problem: firstLine(error), outputRefs: [], secrets: [] };
  }
  const facts: ExpressionFacts = { outputRefs: [], secrets: [] };
  walk(ast, facts, false);
  const checked = env.check(expr);
  if (!checked.valid && checked.error) facts.problem = firstLine(checked.error);
  return facts;
}

function walk(node: unknown, facts: ExpressionFacts, outputsShadowed: boolean): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, facts, outputsShadowed);
    return;
  }
  if (!isNode(node)) return;
  const { op, args } = node;
  if ((op === '.' || op === '.?' || op === '[]' || op === '[?]') && Array.isArray(args)) {
    const [target, key] = args;
    if (!outputsShadowed && isNode(target) && target.op === 'id' && target.args === 'outputs') {
      const name = typeof key === 'string' ? key : isNode(key) && key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
      if (name !== undefined) facts.outputRefs.push(name);
    }
  }
  if (op === 'call' && Array.isArray(args) && args[0] === 'secret') {
    const [, callArgs] = args;
    const first = Array.isArray(callArgs) ? callArgs[0] : undefined;
    facts.secrets.push(isNode(first) && typeof first.args === 'string' ? first.args : '?');
  }
  if (op === 'rcall' && Array.isArray(args) && MACROS_WITH_BINDING.has(String(args[0]))) {
    const [, receiver, macroArgs] = args;
    walk(receiver, facts, outputsShadowed);
    const binder = Array.isArray(macroArgs) ? macroArgs[0] : undefined;
    const shadows = outputsShadowed || (isNode(binder) && binder.op === 'id' && binder.args === 'outputs');
    if (Array.isArray(macroArgs)) walk(macroArgs.slice(1), facts, shadows);
    return;
  }
  walk(args, facts, outputsShadowed);
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && 'op' in value && 'args' in value;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}
