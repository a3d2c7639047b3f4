// Bounds the work of one CEL evaluation by counting it, so an expression whose cost explodes
// (nested `map`s over long lists, doubling lists or strings) fails fast instead of holding a
// workflow task past its deadline. Counts operations, never time: replays decide the same way.

/**
 * Most cost units one expression may spend (1,000,000, the per-call limit common CEL hosts
 * use; about 50 ms of evaluation on a slow core). One unit is one evaluated node; a `+` or a
 * function that returns a list adds one unit per element, and one per 16 characters of a string.
 */
export const EXPRESSION_COST_BUDGET = 1_000_000;

/** Thrown from inside an evaluation once its budget is spent; evaluate.ts reports it. */
export class CostBudgetExceeded extends Error {
  constructor(readonly budget: number) {
    super(`evaluation cost more than the budget of ${budget} units`);
    this.name = 'CostBudgetExceeded';
  }
}

interface MeteredNode {
  op: string;
  evaluate(ev: unknown, ast: MeteredNode, ctx: unknown): unknown;
}

/** The evaluator's method that every child node goes through (the library's `Evaluator.run`). */
interface NodeRunner {
  run(ast: MeteredNode, ctx: unknown): unknown;
}

// One counter for the whole V8 context is safe: evaluation is synchronous (Weft registers no
// async function) and each evaluation starts by resetting it, so no two evaluations interleave.
let remaining = EXPRESSION_COST_BUDGET;
let limit = EXPRESSION_COST_BUDGET;

/** Starts a new evaluation with a fresh budget (default EXPRESSION_COST_BUDGET units). */
export function resetCostBudget(budget: number = EXPRESSION_COST_BUDGET): void {
  remaining = budget;
  limit = budget;
}

/** Units spent since the last reset (may exceed the budget by the last node's charge). */
export function costSpent(): number {
  return limit - remaining;
}

/** True when the last evaluation ran out of budget, even if the library swallowed the error. */
export function costBudgetExceeded(): boolean {
  return remaining < 0;
}

/**
 * Puts the meter on an evaluator: every node evaluation goes through `run`, so counting there
 * bounds loops in macros as well as plain nodes. Once the budget is spent every further node
 * throws, so an error swallowed by `||` or `exists` cannot turn into a result.
 */
export function meterEvaluator(evaluator: NodeRunner): void {
  evaluator.run = function meteredRun(this: NodeRunner, ast: MeteredNode, ctx: unknown): unknown {
    if (--remaining < 0) throw new CostBudgetExceeded(limit);
    const result = ast.evaluate(this, ast, ctx);
    const op = ast.op;
    if (op === '+' || op === 'call' || op === 'rcall') {
      if (Array.isArray(result)) remaining -= result.length;
      else if (typeof result === 'string') remaining -= result.length >>> 4;
      if (remaining < 0) throw new CostBudgetExceeded(limit);
    }
    return result;
  };
}
