// `set`: computes values in the workflow; its output is the evaluated map.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';

export const set = describeTaskType({
  name: 'set',
  description: 'Computes values; its output is the evaluated map.',
  config: { values: z.record(z.string(), z.unknown()) },
  output: 'the evaluated `values` map',
  example: { id: 'totals', type: 'set', values: { count: '{{ size(inputs.items) }}', label: 'batch-{{ run.id }}' } },
});
