// `if`: `then` or `else` on a condition.

import { describeTaskType } from './descriptor.js';
import { SingleExpression, TaskList } from './fields.js';

export const ifTask = describeTaskType({
  name: 'if',
  description: 'Runs `then` or `else` on a condition; output { branch }.',
  // biome-ignore lint/suspicious/noThenProperty: `then` is the spec's field name; this is a schema, never awaited.
  config: { condition: SingleExpression, then: TaskList, else: TaskList.optional() },
  output: '{ branch: "then" | "else" }',
  // biome-ignore lint/suspicious/noThenProperty: `then` is the spec's field name; this is data, never awaited.
  example: { id: 'gate', type: 'if', condition: '{{ inputs.count > 10 }}', then: [{ id: 'big', type: 'log', message: 'big batch' }] },
  nested: ['then', 'else'],
});
