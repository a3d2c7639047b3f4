// `log`: writes a line to the run logs, in the workflow.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';

export const log = describeTaskType({
  name: 'log',
  description: 'Writes a line to the run logs.',
  config: { message: z.string().max(65536), level: z.enum(['debug', 'info', 'warn', 'error']).optional() },
  output: '{}',
  example: { id: 'note', type: 'log', message: 'fetched {{ size(outputs.fetch.body) }} items', level: 'info' },
});
