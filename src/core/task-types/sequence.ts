// `sequence`: its tasks in order.

import { describeTaskType } from './descriptor.js';
import { TaskList } from './fields.js';

export const sequence = describeTaskType({
  name: 'sequence',
  description: 'Runs tasks in order.',
  config: { tasks: TaskList },
  output: '{}',
  example: { id: 'steps', type: 'sequence', tasks: [{ id: 'a', type: 'log', message: 'one' }] },
  nested: ['tasks'],
});
