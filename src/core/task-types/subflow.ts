// `subflow`: another saved flow as a child workflow run.

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { describeTaskType } from './descriptor.js';

export const subflow = describeTaskType({
  name: 'subflow',
  description: 'Runs another saved flow as a child run; output { runId, state, outputs }.',
  config: {
    flow: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}\/[a-z0-9][a-z0-9_-]{0,63}$/, 'must be "namespace/id"'),
    revision: z.number().int().min(1).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    wait: z.boolean().optional(),
  },
  output: '{ runId, state, outputs }',
  example: { id: 'child', type: 'subflow', flow: 'default/other-flow', inputs: { name: '{{ inputs.name }}' } },
  rawFields: ['flow'],
  cacheable: true,
  check: checkCache,
});

// Only a child the task waits for has an outcome to keep; one started and left has none.
function checkCache(task: Record<string, unknown>, path: string): ValidationProblem[] {
  if (task.cache === undefined || task.wait !== false) return [];
  return [
    {
      path: `${path}.cache`,
      message: `${path}.cache needs wait: true (a subflow started without waiting has no outcome to cache)`,
      hint: 'remove cache or wait',
    },
  ];
}
