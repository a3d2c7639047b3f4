// What an `agent` task's tools look like to the model: the names tools go by, and the
// JSON Schema of its parameters built from the flow's declared inputs. Pure and zod-free: the
// workflow builds a flow tool's definition from the revision it resolved, and the validator
// checks `approve` against the same names.

import type { FlowSpec } from '../spec/flow-spec.js';

/** Tool calls an agent may make when the task sets no `maxSteps`. */
export const DEFAULT_AGENT_MAX_STEPS = 10;

/** The JSON Schema type of each flow input type (`any` takes every value). */
const INPUT_TYPES: Record<string, string | undefined> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  any: undefined,
};

/** Tool names both providers' APIs accept. */
const PROVIDER_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The name the model calls an MCP tool by: its own name, or, where that has characters the
 * providers refuse (dots, slashes, spaces) or is too long, those replaced by `_` and cut to 64.
 */
export function modelToolName(name: string): string {
  if (PROVIDER_TOOL_NAME.test(name)) return name;
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || '_';
}

/** The name the model calls a flow tool by: the flow's id (`ns/triage` -> `triage`). */
export function flowToolName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** The tool's parameters: one property per declared input, required unless it has a default or says `required: false`. */
export function flowToolParameters(flow: FlowSpec): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const input of flow.inputs ?? []) {
    const type = INPUT_TYPES[input.type ?? 'string'];
    properties[input.id] = {
      ...(input.schema ?? {}),
      ...(type ? { type } : {}),
      ...(input.description ? { description: input.description } : {}),
      ...(input.enum ? { enum: input.enum } : {}),
    };
    if (input.default === undefined && input.required !== false) required.push(input.id);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** What the model reads about a flow tool: the flow's description, or its ref. */
export function flowToolDescription(flow: FlowSpec): string {
  return (flow.description ?? `Runs the flow ${flow.namespace}/${flow.id}`).slice(0, 1000);
}
