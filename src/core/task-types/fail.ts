// `fail`: fails the run on purpose.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';

export const fail = describeTaskType({
  name: 'fail',
  description: 'Fails the run on purpose with a message.',
  config: { message: z.string().max(65536) },
  output: 'none (fails the run)',
  example: { id: 'stop', type: 'fail', when: '{{ outputs.fetch.status == 404 }}', message: 'not found: {{ inputs.url }}' },
});
