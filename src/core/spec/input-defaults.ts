// Checks a flow input's `default` against the input's own type, enum and schema, so that a
// default that could never be given as a value is caught when the flow is saved, not at run time.

import type { ValidationProblem } from '../errors.js';
import { inputTypeProblem } from '../runs/run-inputs.js';
import { schemaError, schemaProblems } from './response-schema.js';
import type { FlowInput } from './schemas.js';

/** Problems of one declared input's `schema` and `default`, at `path` (`inputs[2]`). */
export function inputDefaultProblems(input: FlowInput, path: string): ValidationProblem[] {
  const schema = input.schema;
  const badSchema = schema === undefined ? undefined : schemaError(schema);
  const problems: ValidationProblem[] = badSchema ? [{ path: `${path}.schema`, message: `${path}.schema is not a valid JSON Schema: ${badSchema}` }] : [];
  if (input.default === undefined) return problems;
  const at = `${path}.default`;
  const given = JSON.stringify(input.default)?.slice(0, 60);
  const typeProblem = inputTypeProblem(input.type, input.default);
  if (typeProblem) {
    problems.push({
      path: at,
      message: `${at} ${typeProblem}: the input's type is ${input.type}`,
      hint: `give a default of type ${input.type}, or change type`,
    });
    return problems;
  }
  if (input.enum && !input.enum.some((e) => JSON.stringify(e) === JSON.stringify(input.default))) {
    problems.push({
      path: at,
      message: `${at} must be one of the input's enum: ${input.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${given})`,
      hint: 'pick one of the enum values, or add the default to enum',
    });
  }
  if (schema !== undefined && !badSchema) {
    const found = schemaProblems(schema, input.default);
    if (found.length > 0) {
      problems.push({
        path: at,
        message: `${at} does not match the input's schema (got ${given}): ${found.join('; ')}`,
        hint: 'give a default the schema accepts',
      });
    }
  }
  return problems;
}
