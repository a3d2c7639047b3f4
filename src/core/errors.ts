// Typed errors with stable codes. Messages follow `<subject> <problem>: <detail>` and are
// written for the person who must fix the problem; `hint` says what would be valid.

/**
 * Every error type a flow author can meet: the `error.type` of a failed task run, and what a
 * task's `retry.nonRetryable` names. The one list: code that raises a type names it through
 * `FlowErrorType`, and the table in docs/flows.md lists exactly these (test/docs/error-types.test.ts).
 */
export const FLOW_ERROR_TYPES = {
  HttpClientError: 'an http task got a 4xx status',
  HttpServerError: 'an http task got a 5xx or an unexpected status',
  HttpTimeoutError: 'an http request took longer than its timeout',
  HttpNetworkError: 'an http request could not connect, was reset, or was redirected too often',
  HttpInvalidRequestError: 'an http task rendered an invalid URL or headers (never retried)',
  HttpHostNotAllowed: "the egress policy refused the http task's host",
  HttpResponseTooLarge: 'an http response was larger than the limit',
  ScriptExitError: 'a script ended with a non-zero exit status',
  ScriptTimeoutError: 'a script ran longer than its timeout',
  ScriptSetupError: 'a script could not be started or sandboxed (never retried)',
  ScriptMemoryExceeded: 'a script used more memory than its resources.memory limit and was killed (never retried)',
  ScriptCpuTimeExceeded: 'a script process used more CPU time than its resources.cpuTime limit and was killed',
  ScriptDependencyError: "a script's dependencies could not be installed (the message names the package)",
  OutputTooLarge: "a script's $WEFT_OUTPUT file was larger than the limit, or a task output over 64 MiB of JSON (never retried)",
  LlmRateLimitError: 'the model provider answered 429; its retry-after is waited out',
  LlmServerError: 'the model provider failed (5xx)',
  LlmTimeoutError: 'the model call took longer than its timeout',
  LlmConnectionError: 'the model provider could not be reached',
  LlmBadRequestError: 'the model provider refused the request (never retried)',
  LlmAuthenticationError: 'the model provider refused the key, or no key is set (never retried)',
  LlmInvalidOutputError: 'the answer did not match responseSchema after one repair round',
  LlmProviderNotConfiguredError: 'the task names a provider the worker does not know (never retried)',
  McpToolError: "an MCP tool answered with isError (retried per the task's retry)",
  McpConnectionError: 'an MCP server could not be started or reached, or its connection broke and reconnecting did not help',
  McpTimeoutError: 'an MCP tool call took longer than its timeout',
  McpInvalidArguments: "an mcp task's arguments do not fit the tool's input schema, or the tool does not exist (never retried)",
  McpServerNotConfigured: 'an mcp task names a server the worker has not configured in WEFT_MCP_SERVERS (never retried)',
  AgentMaxStepsError: 'an agent task asked for more tool calls than its maxSteps (never retried)',
  AgentCostCeilingError: "an agent task's model calls reached its maxCostUsd while it asked for more tools (never retried)",
  AgentCostUnknownError: 'an agent task has maxCostUsd but its model has no price in WEFT_LLM_PRICES (never retried)',
  AgentToolsInvalid: "an agent task's tools could not be offered: two share a name, or an MCP tool it lists does not exist (never retried)",
  ApprovalRejected: 'an approval was answered with a rejection (never retried)',
  ApprovalTimedOut: 'nobody answered an approval within its timeout (never retried)',
  SecretNotFound: 'a secret() the task reads is not set',
  ExpressionError: 'an expression failed to evaluate',
  ExpressionTooCostly: 'an expression cost more than its evaluation budget',
  FlowFailed: 'a fail task ended the run on purpose',
  TaskTimedOut: 'a sequence, parallel, foreach, if, switch, sleep or subflow task ran past its timeout',
  InvalidItems: "a foreach task's items did not evaluate to a list",
  InvalidTimestamp: "a sleep task's until did not evaluate to an RFC 3339 timestamp",
  InvalidInputs: "a subflow task's inputs do not fit the subflow's inputs",
  SubflowDepthExceeded: 'subflows nested deeper than the limit',
  ConcurrencyLimitReached: "the flow's concurrency limit was reached and its onLimit is fail (never retried)",
  FlowNotFoundError: 'a subflow task names a flow (or revision) that is not saved',
  TaskTypeNotRegistered: 'no module loaded by the worker defines the custom task type',
  ActivityTimedOut: 'an I/O task timed out, as read from history when no worker answered',
  RunEnded: 'the run was cancelled or terminated while this task was running',
} as const satisfies Record<string, string>;

/** A stable error type name a flow author can see (see `FLOW_ERROR_TYPES`). */
export type FlowErrorType = keyof typeof FLOW_ERROR_TYPES;

/** Names an error type at the place that raises it, checked against the one list at compile time. */
export function flowErrorType<T extends FlowErrorType>(type: T): T {
  return type;
}

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

/** Thrown in an `agent` task's loop when the model asks for more tool calls than `maxSteps` allows. */
export class AgentMaxStepsError extends WeftError {
  constructor(
    readonly task: string,
    readonly maxSteps: number,
    readonly asked: readonly string[],
  ) {
    super('AGENT_MAX_STEPS', `agent ${task} reached maxSteps (${maxSteps}) and the model still asked for ${asked.join(', ')}`, {
      hint: 'raise maxSteps, or tell the model in the prompt to answer with fewer tool calls',
    });
  }
}

/** An agent whose model calls have cost its `maxCostUsd` while it still wanted to go on. */
export class AgentCostCeilingError extends WeftError {
  constructor(task: string, ceiling: number, spent: number, calls: number) {
    super(
      'AGENT_COST_CEILING',
      `agent ${task} spent about $${spent.toFixed(4)} in ${calls} model call(s), reaching its maxCostUsd of $${ceiling}, and the model still asked for tools`,
      {
        hint: 'raise maxCostUsd, or tell the model in the prompt to answer with fewer tool calls',
      },
    );
  }
}

/** An agent with `maxCostUsd` whose model has no price: its spending cannot be held to the ceiling. */
export class AgentCostUnknownError extends WeftError {
  constructor(task: string, model: string) {
    super('AGENT_COST_UNKNOWN', `agent ${task} has maxCostUsd, but model ${model} has no price, so its cost is unknown`, {
      hint: `add ${model} to WEFT_LLM_PRICES ({ "${model}": { "input": USD per million tokens, "output": ... } }), or remove maxCostUsd`,
    });
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
