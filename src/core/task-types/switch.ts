// `switch`: the tasks of the case matching a value, or `default`.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';
import { SingleExpression, TaskList } from './fields.js';

export const switchTask = describeTaskType({
  name: 'switch',
  description: 'Runs the tasks of the case matching a value; output { case }.',
  config: { value: SingleExpression, cases: z.record(z.string(), TaskList), default: TaskList.optional() },
  output: '{ case } (the matched key, or "default")',
  example: { id: 'route', type: 'switch', value: '{{ inputs.kind }}', cases: { bug: [{ id: 'tag_bug', type: 'log', message: 'bug' }] } },
  nested: ['default'],
  nestedMaps: ['cases'],
});
