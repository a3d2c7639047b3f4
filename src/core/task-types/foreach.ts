// `foreach`: its tasks once per item, in batches that keep the history bounded.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';
import { SingleExpression, TaskList } from './fields.js';

export const foreach = describeTaskType({
  name: 'foreach',
  description: 'Runs its tasks once per item; output { iterations }.',
  config: {
    items: z.union([SingleExpression, z.array(z.unknown()).max(100_000)]),
    concurrency: z.number().int().min(1).max(1000).optional(),
    tasks: TaskList,
  },
  output: '{ iterations: [ { <taskId>: <output>, ... } ] } (one map per item, in item order)',
  example: {
    id: 'each',
    type: 'foreach',
    items: '{{ inputs.urls }}',
    concurrency: 4,
    tasks: [{ id: 'get', type: 'http', url: '{{ item }}' }],
  },
  nested: ['tasks'],
});
