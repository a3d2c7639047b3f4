// The `tools/list` answer, kept lean: it is sent to the model with every conversation, so each
// byte counts (budget: 14 KB for every tool). JSON Schemas come from the same zod schemas
// the calls are validated with, minus what carries no meaning for a model (`$schema`, integer
// bounds at the float limit, string key constraints of records, string and list length bounds and
// patterns that a description already puts in words:
// every call is still checked against them and a value past one is refused naming the field
// and its bound); result schemas are shallow; annotations that only repeat a protocol
// default are left out.

import { ListToolsRequestSchema, type Tool, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toolInputSchema } from './tool-arguments.js';
import type { AnyToolDefinition, McpToolContext } from './tool-registry.js';

export function toolListing(tools: readonly AnyToolDefinition[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: leanSchema(z.toJSONSchema(toolInputSchema(tool.input), { io: 'input', target: 'draft-7', unrepresentable: 'any' })) as Tool['inputSchema'],
    outputSchema: shallowOutput(z.toJSONSchema(z.object(tool.output), { io: 'output', target: 'draft-7', unrepresentable: 'any' })) as Tool['outputSchema'],
    annotations: leanAnnotations(tool.annotations),
    ...(tool.execution ? { execution: tool.execution } : {}),
    ...(tool._meta ? { _meta: tool._meta } : {}),
  }));
}

/** Serves the lean listing for the tools this session registered. */
export function serveLeanToolList(ctx: McpToolContext, tools: readonly AnyToolDefinition[]): void {
  const listing = toolListing(tools);
  ctx.server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
}

/**
 * Result schemas name each top-level field with its type; nested structure and enums are left
 * to the result itself, which the model reads anyway. Clients still validate the shape.
 */
function shallowOutput(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const shallow: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    shallow[name] = { type: property.type ?? 'object' };
  }
  return { type: 'object', properties: shallow, ...(schema.required ? { required: schema.required } : {}) };
}

/**
 * Protocol defaults left out: not idempotent, open world. `readOnlyHint` and `destructiveHint`
 * stay whatever their value, because a client should not have to know a default to see them.
 */
const ANNOTATION_DEFAULTS: Record<string, boolean> = { idempotentHint: false, openWorldHint: true };
/** Hints that do not apply: whether a read-only tool is destructive or idempotent. */
const READ_ONLY_MOOT = new Set(['destructiveHint', 'idempotentHint']);

function leanAnnotations(annotations: ToolAnnotations): ToolAnnotations {
  const lean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (ANNOTATION_DEFAULTS[key] === value) continue;
    if (annotations.readOnlyHint === true && READ_ONLY_MOOT.has(key)) continue;
    lean[key] = value;
  }
  return lean as ToolAnnotations;
}

const LENGTH_BOUNDS = new Set(['minLength', 'maxLength', 'maxItems']);

function leanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((s) => leanSchema(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (key === 'propertyNames') continue;
    if (LENGTH_BOUNDS.has(key)) continue;
    // A pattern with a description (`namespace/id`) says the same twice.
    if (key === 'pattern' && typeof (schema as Record<string, unknown>).description === 'string') continue;
    if ((key === 'maximum' || key === 'minimum') && Math.abs(value as number) >= Number.MAX_SAFE_INTEGER) continue;
    out[key] = leanSchema(value);
  }
  return out;
}
