// The JSON Schema of the whole flow spec, for editors and clients, built from the same zod
// schemas the validator uses. Nested task lists point back at the task definition.

import { z } from 'zod';
import { allTaskTypeNames, taskSchema, taskTypeOf } from '../task-types/registry.js';
import { FlowInput, QueueName, RetryPolicy } from './schemas.js';

type JsonObject = Record<string, unknown>;
const TASK_REF = { $ref: '#/$defs/task' };
const TASK_LIST = { type: 'array', items: TASK_REF, minItems: 1 };

function toSchema(schema: z.ZodType): JsonObject {
  const out = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonObject;
  delete out.$schema;
  return out;
}

/** JSON Schema (draft 2020-12) of a flow document. */
export function flowJsonSchema(): JsonObject {
  const defs: Record<string, JsonObject> = {};
  for (const type of allTaskTypeNames()) {
    const info = taskTypeOf(type);
    const schema = toSchema(taskSchema(type));
    const properties = schema.properties as Record<string, unknown>;
    for (const field of info.nested ?? []) properties[field] = TASK_LIST;
    for (const field of info.nestedMaps ?? []) properties[field] = { type: 'object', additionalProperties: TASK_LIST };
    schema.description = info.description;
    defs[`${type}Task`] = schema;
  }
  defs.task = { oneOf: allTaskTypeNames().map((type) => ({ $ref: `#/$defs/${type}Task` })) };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://weft.dev/schemas/flow-v1.json',
    title: 'Weft flow (spec version 1)',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'tasks'],
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
      namespace: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{0,127}$', default: 'default' },
      description: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      inputs: { type: 'array', items: toSchema(FlowInput) },
      vars: { type: 'object' },
      tasks: TASK_LIST,
      errors: TASK_LIST,
      finally: TASK_LIST,
      outputs: { type: 'object' },
      retry: toSchema(RetryPolicy),
      timeout: { type: 'string', description: 'duration: 500ms, 30s, 5m, 2h, 1d or ISO 8601' },
      queue: toSchema(QueueName),
    },
    $defs: defs,
  };
}
