// Checks run inputs against a flow's declared inputs and applies defaults. Pure: used by the
// client before starting a run and by the workflow for subflows.

import type { ValidationProblem } from '../errors.js';
import type { FlowSpec } from '../spec/flow-spec.js';
import { FLOW_LIMITS } from '../spec/limits.js';
import { MAX_NESTING_DEPTH, valueNestingProblem } from '../spec/nesting-depth.js';

export type ResolvedInputs = { valid: true; inputs: Record<string, unknown> } | { valid: false; problems: ValidationProblem[] };

/** Validates `given` against the flow's inputs; unknown inputs are errors. */
export function resolveInputs(flow: FlowSpec, given: Record<string, unknown>): ResolvedInputs {
  const problems: ValidationProblem[] = [];
  // Before anything recurses over the value (JSON.stringify, the schema checks, toCel in the run).
  const deep = valueNestingProblem(given, MAX_NESTING_DEPTH, 'inputs');
  if (deep) return { valid: false, problems: [deep] };
  const size = JSON.stringify(given).length;
  if (size > FLOW_LIMITS.maxInputBytes) {
    return { valid: false, problems: [{ path: 'inputs', message: `inputs are ${size} bytes of JSON; the limit is ${FLOW_LIMITS.maxInputBytes}` }] };
  }
  const declared = flow.inputs ?? [];
  const inputs: Record<string, unknown> = {};
  for (const input of declared) {
    const value = given[input.id];
    if (value === undefined) {
      if (input.default !== undefined) inputs[input.id] = input.default;
      else if (input.required !== false)
        problems.push({
          path: `inputs.${input.id}`,
          message: `inputs.${input.id} is required`,
          hint: `${input.type}${input.description ? `: ${input.description}` : ''}`,
        });
      continue;
    }
    const typeProblem = inputTypeProblem(input.type, value);
    if (typeProblem) problems.push({ path: `inputs.${input.id}`, message: `inputs.${input.id} ${typeProblem}` });
    else if (input.enum && !input.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      problems.push({
        path: `inputs.${input.id}`,
        message: `inputs.${input.id} must be one of ${input.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${JSON.stringify(value)})`,
      });
    } else inputs[input.id] = value;
  }
  const known = new Set(declared.map((i) => i.id));
  for (const key of Object.keys(given)) {
    if (!known.has(key))
      problems.push({
        path: `inputs.${key}`,
        message: `inputs.${key} is not an input of ${flow.namespace}/${flow.id}`,
        hint: known.size ? `inputs: ${[...known].join(', ')}` : 'this flow takes no inputs',
      });
  }
  return problems.length ? { valid: false, problems } : { valid: true, inputs };
}

/** Why `value` is not of an input's `type` (`must be an integer (got "three")`), or undefined when it is. */
export function inputTypeProblem(type: string, value: unknown): string | undefined {
  const got = `(got ${JSON.stringify(value)?.slice(0, 60)})`;
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `must be a string ${got}`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : `must be an integer ${got}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a number ${got}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false ${got}`;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : `must be an object ${got}`;
    case 'array':
      return Array.isArray(value) ? undefined : `must be a list ${got}`;
    default:
      return undefined;
  }
}
