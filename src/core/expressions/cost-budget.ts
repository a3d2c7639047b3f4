// Bounds the work of one CEL evaluation by counting it, so an expression whose cost explodes
// (nested `map`s over long lists, doubling lists or strings) fails fast instead of holding a
// workflow task past its deadline. Counts operations, never time: replays decide the same way.

/**
 * Most cost units one expression may spend (1,000,000, the per-call limit common CEL hosts
 * use; about 50 ms of evaluation on a slow core). One unit is one evaluated node; a `+` or a
 * function that returns a list adds one unit per element, and one per 16 characters of a string.
 */
export const EXPRESSION_COST_BUDGET = 1_000_000;

/**
 * Most cost units all evaluations of one workflow activation may spend together (20,000,000,
 * about a second on a slow core): a `foreach` of many iterations, each just under the budget
 * of one expression, would otherwise add up inside one workflow task past its deadline.
 */
export const ACTIVATION_COST_BUDGET = 20_000_000;

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

/**
 * What names the current workflow activation (set by the workflow code; absent outside a
 * workflow, where only the per-expression budget applies). Its value must replay the same:
 * the workflow id with its history length does, as activations replay one for one.
 */
let activationOf: (() => string | undefined) | undefined;
/** The activation's running total; `metered`: whether the evaluation under way is charged to it. */
const ledger = { activation: '', spent: 0, metered: false };

/** Installs what names the current activation; called once by the workflow code. */
export function meterActivations(activation: () => string | undefined): void {
  activationOf = activation;
}

/**
 * The budget of the next evaluation: EXPRESSION_COST_BUDGET, or less when the activation it
 * runs in has spent most of ACTIVATION_COST_BUDGET. `activationLimited` says which bound it is.
 */
export function nextEvaluationBudget(): { budget: number; activationLimited: boolean } {
  const activation = activationOf?.();
  ledger.metered = activation !== undefined;
  if (activation === undefined) return { budget: EXPRESSION_COST_BUDGET, activationLimited: false };
  if (ledger.activation !== activation) {
    ledger.activation = activation;
    ledger.spent = 0;
  }
  const left = Math.max(0, ACTIVATION_COST_BUDGET - ledger.spent);
  return left < EXPRESSION_COST_BUDGET ? { budget: left, activationLimited: true } : { budget: EXPRESSION_COST_BUDGET, activationLimited: false };
}

/** Adds the last evaluation's spending to its activation's total. */
export function chargeActivation(): void {
  if (ledger.metered) ledger.spent += Math.max(0, costSpent());
}

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
