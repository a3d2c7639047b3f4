// `sleep`: a durable timer in the workflow, for a duration or until a timestamp.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';
import { DurationText } from './fields.js';

export const sleep = describeTaskType({
  name: 'sleep',
  description: 'Waits durably for a duration or until a timestamp.',
  config: { duration: DurationText.optional(), until: z.string().max(4096).optional() },
  output: '{}',
  example: { id: 'pause', type: 'sleep', duration: '5m' },
  rawFields: ['duration'],
  check(task, path) {
    if ((task.duration === undefined) !== (task.until === undefined)) return [];
    return [{ path, message: `${path} needs exactly one of duration or until`, hint: 'e.g. duration: 5m, or until: "{{ inputs.at }}"' }];
  },
});
