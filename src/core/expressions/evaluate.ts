// Evaluates templates against a scope: typed values for a lone `{{ expr }}`, text otherwise,
// and recursive rendering of nested maps and lists. Pure and bounded; used by the workflow.

import { ExpressionError, ExpressionTooCostlyError } from '../errors.js';
import { celEnvironment } from './cel-environment.js';
import { CelValueError, fromCel } from './cel-values.js';
import { ACTIVATION_COST_BUDGET, CostBudgetExceeded, chargeActivation, costBudgetExceeded, nextEvaluationBudget, resetCostBudget } from './cost-budget.js';
import { parseTemplate, type Template, TemplateSyntaxError } from './template.js';

/** Variables visible to expressions, already in CEL form (see toCel). */
export type CelScope = Readonly<Record<string, unknown>>;

/** Largest rendered text or JSON result of one template, in characters (1 MiB). */
export const MAX_EVALUATED_SIZE = 1024 * 1024;

type Program = (context: CelScope) => unknown;
const programs = new Map<string, Program>();
const templates = new Map<string, Template>();
const CACHE_LIMIT = 2000;

function compile(expr: string): Program {
  let program = programs.get(expr);
  if (!program) {
    program = celEnvironment().parse(expr) as Program;
    if (programs.size >= CACHE_LIMIT) programs.clear();
    programs.set(expr, program);
  }
  return program;
}

function templateOf(text: string, field: string): Template {
  let template = templates.get(text);
  if (!template) {
    try {
      template = parseTemplate(text);
    } catch (error) {
      if (error instanceof TemplateSyntaxError) throw new ExpressionError(text, field, error.message);
      throw error;
    }
    if (templates.size >= CACHE_LIMIT) templates.clear();
    templates.set(text, template);
  }
  return template;
}

/** Evaluates one CEL expression to a JSON value; failures become ExpressionError naming the field. */
export function evaluateExpression(expr: string, scope: CelScope, field: string): unknown {
  let result: unknown;
  const { budget, activationLimited } = nextEvaluationBudget();
  const tooCostly = () => new ExpressionTooCostlyError(expr, field, activationLimited ? ACTIVATION_COST_BUDGET : budget, activationLimited);
  try {
    const program = compile(expr);
    resetCostBudget(budget);
    result = fromCel(program(scope));
  } catch (error) {
    if (isBudgetError(error) || costBudgetExceeded()) throw tooCostly();
    throw new ExpressionError(expr, field, reasonOf(error));
  } finally {
    chargeActivation();
  }
  // The library turns some errors into values (`||`, `exists`); a spent budget still fails.
  if (costBudgetExceeded()) throw tooCostly();
  if (typeof result === 'string' ? result.length > MAX_EVALUATED_SIZE : jsonSize(result) > MAX_EVALUATED_SIZE) {
    throw new ExpressionError(expr, field, `result is larger than the ${MAX_EVALUATED_SIZE}-character limit`);
  }
  return result;
}

/** Renders a template string: a lone expression keeps its type, anything else becomes text. */
export function renderTemplate(text: string, scope: CelScope, field: string): unknown {
  const template = templateOf(text, field);
  if (template.kind === 'literal') return template.value;
  if (template.kind === 'value') return evaluateExpression(template.expr, scope, field);
  return renderParts(template, scope, field);
}

/** Renders a template string as text, whatever the type of its expressions (env, headers, query). */
export function renderText(text: string, scope: CelScope, field: string): string {
  const template = templateOf(text, field);
  if (template.kind === 'literal') return template.value;
  if (template.kind === 'value') return textOf(evaluateExpression(template.expr, scope, field));
  return renderParts(template, scope, field);
}

function renderParts(template: Extract<Template, { kind: 'text' }>, scope: CelScope, field: string): string {
  let out = '';
  for (const part of template.parts) {
    out += 'text' in part ? part.text : textOf(evaluateExpression(part.expr, scope, field));
    if (out.length > MAX_EVALUATED_SIZE) {
      throw new ExpressionError(text(template), field, `rendered text is longer than the ${MAX_EVALUATED_SIZE}-character limit`);
    }
  }
  return out;
}

function text(template: Extract<Template, { kind: 'text' }>): string {
  return template.parts.map((p) => ('text' in p ? p.text : `{{ ${p.expr} }}`)).join('');
}

/** Renders every template inside a JSON value (maps, lists, strings), keeping types. */
export function renderValue(value: unknown, scope: CelScope, field: string): unknown {
  if (typeof value === 'string') return renderTemplate(value, scope, field);
  if (Array.isArray(value)) return value.map((v, i) => renderValue(v, scope, `${field}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, `${field}.${k}`);
    return out;
  }
  return value;
}

/** Renders every value of a string map as text (env, headers, query). */
export function renderTextMap(map: Readonly<Record<string, unknown>> | undefined, scope: CelScope, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = typeof v === 'string' ? renderText(v, scope, `${field}.${k}`) : textOf(v);
  return out;
}

/** Text form of a JSON value: strings as is, integral numbers without a decimal point, the rest as compact JSON. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

function jsonSize(value: unknown): number {
  return value !== null && typeof value === 'object' ? JSON.stringify(value).length : 0;
}

// The library wraps a handler's error with the node it came from; the budget error may be the cause.
function isBudgetError(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof CostBudgetExceeded) return true;
  return false;
}

function reasonOf(error: unknown): string {
  if (error instanceof CelValueError) return error.message;
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.message;
  return String(error);
}
