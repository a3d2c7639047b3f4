// `parallel`: its tasks at once, each one a branch.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';
import { TaskList } from './fields.js';

export const parallel = describeTaskType({
  name: 'parallel',
  description: 'Runs its tasks at once, each one a branch.',
  config: { tasks: TaskList, concurrency: z.number().int().min(1).max(1000).optional() },
  output: '{}',
  example: {
    id: 'both',
    type: 'parallel',
    tasks: [
      { id: 'left', type: 'log', message: 'l' },
      { id: 'right', type: 'log', message: 'r' },
    ],
  },
  nested: ['tasks'],
});
