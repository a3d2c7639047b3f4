// The anchor chain's task for Weft (workload 18): a custom task type computing fib(n) in the
// worker, registered on the bench's Weft worker as a Weft module would register it.

import { z } from 'zod';
import { defineTaskType, defineWeftModule } from '../src/services/code-flows/weft-module.js';
import { fib } from './raw/activities.js';

export const benchFibModule = defineWeftModule({
  taskTypes: [
    defineTaskType({
      name: 'bench-fib',
      description: 'Computes fib(n) recursively in the worker (the bench anchor chain).',
      config: { n: z.number().int().min(0).max(25) },
      output: '{ value }',
      example: { id: 'fib', type: 'bench-fib', n: 10 },
      defaultTimeout: '30s',
      async run(config) {
        return { value: fib(config.n) };
      },
    }),
  ],
});
