// The `tools/list` answer, kept lean: it is sent to the model with every conversation, so each
// byte counts (budget: 14 KB for every tool). JSON Schemas come from the same zod schemas
// the calls are validated with, minus what carries no meaning for a model (`$schema`, integer
// bounds at the float limit, string key constraints of records); result schemas are shallow.

import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toolInputSchema } from './tool-arguments.js';
import type { AnyToolDefinition, ToolContext } from './tool-registry.js';

export function toolListing(tools: readonly AnyToolDefinition[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: leanSchema(z.toJSONSchema(toolInputSchema(tool.input), { io: 'input', target: 'draft-7', unrepresentable: 'any' })) as Tool['inputSchema'],
    outputSchema: shallowOutput(z.toJSONSchema(z.object(tool.output), { io: 'output', target: 'draft-7', unrepresentable: 'any' })) as Tool['outputSchema'],
    annotations: tool.annotations,
    ...(tool.execution ? { execution: tool.execution } : {}),
  }));
}

/** Serves the lean listing for the tools this session registered. */
export function serveLeanToolList(ctx: ToolContext, tools: readonly AnyToolDefinition[]): void {
  const listing = toolListing(tools);
  ctx.server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
}

/**
 * Result schemas name each top-level field with its type (and enum); nested structure is left
 * to the result itself, which the model reads anyway. Clients still validate the shape.
 */
function shallowOutput(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const shallow: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    shallow[name] = property.enum ? { type: property.type, enum: property.enum } : { type: property.type ?? 'object' };
  }
  return { type: 'object', properties: shallow, ...(schema.required ? { required: schema.required } : {}) };
}

function leanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((s) => leanSchema(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$schema') continue;
    if (key === 'propertyNames') continue;
    if ((key === 'maximum' || key === 'minimum') && Math.abs(value as number) >= Number.MAX_SAFE_INTEGER) continue;
    out[key] = leanSchema(value);
  }
  return out;
}
