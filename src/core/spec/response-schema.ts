// A task's `responseSchema` as each provider's structured-output mechanism wants it, and the
// check of what came back. OpenAI's strict mode needs every object closed
// (`additionalProperties: false`) with every property required, so optional properties become
// nullable there and their nulls are dropped again on the way back. Both providers need an
// object at the root, so other roots are wrapped in `{ value: ... }`.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

export interface ProviderSchema {
  /** The schema to send. */
  schema: Schema;
  /** Turns what the provider returned back into a value of the user's schema. */
  unwrap(value: unknown): unknown;
}

function isObjectSchema(schema: Schema): boolean {
  return schema.type === 'object' || (schema.type === undefined && typeof schema.properties === 'object');
}

/** The schema as sent to Anthropic (tool input) and OpenAI-compatible servers without strict mode. */
export function rootedSchema(schema: Schema): ProviderSchema {
  if (isObjectSchema(schema)) return { schema, unwrap: (v) => v };
  return {
    schema: { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false },
    unwrap: (v) => (v as { value?: unknown } | null)?.value,
  };
}

/** The schema in OpenAI's strict form, and how to map a strict answer back. */
export function strictSchema(schema: Schema): ProviderSchema {
  const rooted = rootedSchema(schema);
  const original = rooted.schema;
  return { schema: toStrict(original), unwrap: (v) => rooted.unwrap(dropAddedNulls(v, original)) };
}

function toStrict(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (isObjectSchema(schema)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const strictProps: Record<string, Schema> = {};
    for (const [name, prop] of Object.entries(properties)) strictProps[name] = required.has(name) ? toStrict(prop) : nullable(toStrict(prop));
    out.properties = strictProps;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  if (schema.items && typeof schema.items === 'object') out.items = toStrict(schema.items as Schema);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(schema[key])) out[key] = (schema[key] as Schema[]).map(toStrict);
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = schema[key] as Record<string, Schema> | undefined;
    if (defs) out[key] = Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, toStrict(v)]));
  }
  return out;
}

function nullable(schema: Schema): Schema {
  if (typeof schema.type === 'string') {
    return { ...schema, type: [schema.type, 'null'], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** Removes the nulls strict mode put in place of absent optional properties. */
function dropAddedNulls(value: unknown, schema: Schema): unknown {
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((v) => dropAddedNulls(v, items)) : value;
  }
  if (value === null || typeof value !== 'object' || !isObjectSchema(schema)) return value;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null && !required.has(key)) continue;
    out[key] = properties[key] ? dropAddedNulls(entry, properties[key]) : entry;
  }
  return out;
}

/** Problems of `value` against `schema`, as `/path: message` lines (empty when valid). */
export function schemaProblems(schema: Schema, value: unknown): string[] {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`);
}

/** Whether a schema compiles; the message says why not. For validation of flows. */
export function schemaError(schema: Schema): string | undefined {
  try {
    ajv.compile(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
