// Turns `--input key=value` pairs into typed run inputs, by each input's declared type.

import { FlowValidationError, type ValidationProblem } from '../../core/errors.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';

export function parseInputPairs(flow: FlowSpec, pairs: readonly string[]): Record<string, unknown> {
  const types = new Map((flow.inputs ?? []).map((i) => [i.id, i.type]));
  const out: Record<string, unknown> = {};
  const problems: ValidationProblem[] = [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      problems.push({ path: 'inputs', message: `--input ${pair} must be key=value` });
      continue;
    }
    const key = pair.slice(0, at);
    const text = pair.slice(at + 1);
    const type = types.get(key) ?? 'string';
    const value = convert(type, text);
    if (value === undefined)
      problems.push({
        path: `inputs.${key}`,
        message: `inputs.${key} must be ${type === 'integer' ? 'an integer' : `a ${type}`} (got ${JSON.stringify(text)})`,
      });
    else out[key] = value;
  }
  if (problems.length) throw new FlowValidationError(problems, 'run inputs');
  return out;
}

function convert(type: string, text: string): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'integer':
      return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    default:
      try {
        return JSON.parse(text);
      } catch {
        return type === 'any' ? text : undefined;
      }
  }
}
