// The task catalog an author (person or agent) needs: per type, what it does, its config
// schema (from the validator's own zod schemas), its output shape, its runtime defaults and a
// small example, all read from the type's descriptor. Served by `list_task_types`.

import { z } from 'zod';
import { allTaskTypeNames, isBuiltinTaskType, taskTypeOf } from '../task-types/registry.js';
import { CommonTaskFields } from './schemas.js';

export interface TaskTypeSummary {
  type: string;
  /** `builtin`, or `code` for a type registered by a Weft module. */
  origin: 'builtin' | 'code';
  description: string;
  fields: string[];
  output: string;
  available: boolean;
}

export interface TaskTypeDetail extends TaskTypeSummary {
  /** JSON Schema of the task's own fields (common fields are in `commonFields`). */
  config: Record<string, unknown>;
  commonFields: string[];
  defaultTimeout?: string;
  nonRetryable?: string[];
  unavailableReason?: string;
  example: Record<string, unknown>;
}

function summaryOf(type: string): TaskTypeSummary {
  const descriptor = taskTypeOf(type);
  return {
    type,
    origin: isBuiltinTaskType(type) ? 'builtin' : 'code',
    description: descriptor.description,
    fields: Object.keys(descriptor.config),
    output: descriptor.output,
    available: !descriptor.unavailable,
  };
}

export function taskTypeSummaries(): TaskTypeSummary[] {
  return allTaskTypeNames().map(summaryOf);
}

export function taskTypeDetail(type: string): TaskTypeDetail {
  const descriptor = taskTypeOf(type);
  const config = z.toJSONSchema(z.strictObject(descriptor.config), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete config.$schema;
  return {
    ...summaryOf(type),
    config,
    commonFields: Object.keys(CommonTaskFields),
    ...(descriptor.defaultTimeout ? { defaultTimeout: descriptor.defaultTimeout } : {}),
    ...(descriptor.nonRetryable?.length ? { nonRetryable: [...descriptor.nonRetryable] } : {}),
    ...(descriptor.unavailable ? { unavailableReason: descriptor.unavailable } : {}),
    example: descriptor.example,
  };
}
