// The `fields` of an approval task: a flat JSON Schema object (scalar properties only).
// Checked at validation, and used by the workflow to validate each response. Pure.

const SCALAR_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
const PROPERTY_KEYS = new Set(['type', 'description', 'title', 'enum', 'default', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern']);

/** One problem, addressed relative to the schema (for the definition) or the data (for a response). */
export interface FieldProblem {
  at: Array<string | number>;
  message: string;
}

interface PropertySchema {
  type: (typeof SCALAR_TYPES)[number];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** Checks that a `fields` value is a flat JSON Schema object. */
export function validateApprovalFields(schema: unknown): FieldProblem[] {
  if (!isMap(schema)) return [{ at: [], message: 'must be a JSON Schema object such as { type: object, properties: { reason: { type: string } } }' }];
  const problems: FieldProblem[] = [];
  if (schema.type !== 'object') problems.push({ at: ['type'], message: 'must be "object"' });
  for (const key of Object.keys(schema)) {
    if (!['type', 'properties', 'required', 'description', 'title', 'additionalProperties'].includes(key)) {
      problems.push({
        at: [key],
        message: 'is not supported in approval fields (allowed: type, properties, required, description, title, additionalProperties)',
      });
    }
  }
  const properties = schema.properties;
  if (!isMap(properties)) problems.push({ at: ['properties'], message: 'must be a map of field name to { type: string | number | integer | boolean }' });
  else {
    for (const [name, prop] of Object.entries(properties)) {
      if (!isMap(prop) || !SCALAR_TYPES.includes(prop.type as PropertySchema['type'])) {
        problems.push({ at: ['properties', name, 'type'], message: `must be one of ${SCALAR_TYPES.join(', ')} (approval fields are flat)` });
        continue;
      }
      for (const key of Object.keys(prop)) {
        if (!PROPERTY_KEYS.has(key)) problems.push({ at: ['properties', name, key], message: `is not supported (allowed: ${[...PROPERTY_KEYS].join(', ')})` });
      }
    }
  }
  const required = schema.required;
  if (required !== undefined) {
    if (!Array.isArray(required) || !required.every((r) => typeof r === 'string'))
      problems.push({ at: ['required'], message: 'must be a list of field names' });
    else if (isMap(properties)) {
      for (const name of required) if (!(name in properties)) problems.push({ at: ['required'], message: `names "${name}", which is not in properties` });
    }
  }
  return problems;
}

/** Validates response data against a (valid) fields schema. Unknown keys are rejected. */
export function validateApprovalData(schema: Record<string, unknown>, data: Record<string, unknown>): FieldProblem[] {
  const properties = (schema.properties ?? {}) as Record<string, PropertySchema>;
  const problems: FieldProblem[] = [];
  for (const name of (schema.required as string[] | undefined) ?? []) {
    if (data[name] === undefined) problems.push({ at: [name], message: 'is required' });
  }
  for (const [name, value] of Object.entries(data)) {
    const prop = properties[name];
    if (!prop) {
      problems.push({ at: [name], message: `is not a field of this approval (fields: ${Object.keys(properties).join(', ') || 'none'})` });
      continue;
    }
    const problem = checkValue(prop, value);
    if (problem) problems.push({ at: [name], message: problem });
  }
  return problems;
}

function checkValue(prop: PropertySchema, value: unknown): string | undefined {
  const typeOk =
    prop.type === 'integer'
      ? Number.isInteger(value)
      : prop.type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === prop.type;
  if (!typeOk) return `must be ${prop.type === 'integer' ? 'an integer' : `a ${prop.type}`} (got ${JSON.stringify(value)})`;
  if (prop.enum && !prop.enum.some((e) => e === value))
    return `must be one of ${prop.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${JSON.stringify(value)})`;
  if (typeof value === 'number') {
    if (prop.minimum !== undefined && value < prop.minimum) return `must be >= ${prop.minimum} (got ${value})`;
    if (prop.maximum !== undefined && value > prop.maximum) return `must be <= ${prop.maximum} (got ${value})`;
  }
  if (typeof value === 'string') {
    if (prop.minLength !== undefined && value.length < prop.minLength) return `must be at least ${prop.minLength} characters`;
    if (prop.maxLength !== undefined && value.length > prop.maxLength) return `must be at most ${prop.maxLength} characters`;
  }
  return undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
