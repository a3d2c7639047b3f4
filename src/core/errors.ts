// Typed errors with stable codes. Messages follow `<subject> <problem>: <detail>` and are
// written for the person who must fix the problem; `hint` says what would be valid.

/** Base class of every error Weft throws on purpose. `code` is stable; match on it, never on text. */
export class WeftError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** One validation problem, addressed by a spec path such as `tasks[2].retry.maxAttempts`. */
export interface ValidationProblem {
  path: string;
  message: string;
  hint?: string;
}

/** Thrown when a flow or a run's inputs are invalid; carries every problem found. */
export class FlowValidationError extends WeftError {
  readonly problems: ValidationProblem[];

  constructor(problems: ValidationProblem[], subject = 'flow') {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('FLOW_INVALID', `${subject} is invalid: ${first ? first.message : 'unknown problem'}${more}`, first?.hint === undefined ? {} : { hint: first.hint });
    this.problems = problems;
  }
}

/** Thrown when an expression cannot be parsed or evaluated. `field` is the spec path of the template. */
export class ExpressionError extends WeftError {
  readonly expression: string;
  readonly field: string;

  constructor(expression: string, field: string, reason: string, hint?: string) {
    super('EXPRESSION_ERROR', `${field || 'expression'}: {{ ${expression} }} failed: ${reason}`, hint === undefined ? {} : { hint });
    this.expression = expression;
    this.field = field;
  }
}

/** Thrown when evaluating an expression costs more than its budget (see expressions/cost-budget.ts). */
export class ExpressionTooCostlyError extends ExpressionError {
  readonly budget: number;

  /** `perActivation`: the shared budget of one workflow task ran out, not this expression's own. */
  constructor(expression: string, field: string, budget: number, perActivation = false) {
    super(
      expression,
      field,
      perActivation
        ? `evaluation pushed the expressions of one workflow task past their shared budget of ${budget} units (many costly expressions at once, e.g. in a foreach)`
        : `evaluation cost more than the budget of ${budget} units (nested loops over long lists multiply)`,
      'iterate fewer items, avoid nesting map/filter/exists over long lists, or move the work into a script task',
    );
    this.budget = budget;
  }
}

/** Thrown when the Temporal CLI cannot be found or installed, or the dev server does not come up. */
export class TemporalSetupError extends WeftError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('TEMPORAL_SETUP', message, { ...(hint === undefined ? {} : { hint }), cause });
  }
}

/** Thrown for bad configuration values (environment variables, options). */
export class ConfigError extends WeftError {
  constructor(message: string, hint?: string) {
    super('CONFIG_INVALID', message, hint === undefined ? {} : { hint });
  }
}
