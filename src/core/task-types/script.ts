// `script`: a bash, python or node script in a subprocess, run by the `runScript` activity.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';
import { TextMap } from './fields.js';

export const script = describeTaskType({
  name: 'script',
  description: 'Runs a bash, python or node script in a subprocess; output { exitCode, outputs, stdoutTail, stderrTail }.',
  config: {
    language: z.enum(['bash', 'python', 'node']),
    script: z
      .string()
      .min(1)
      .max(1024 * 1024),
    env: TextMap.optional(),
    workingDir: z.string().max(4096).optional(),
  },
  output: '{ exitCode, outputs, stdoutTail, stderrTail } (outputs: JSON objects printed as `::weft-output::{...}` lines or written to $WEFT_OUTPUT)',
  example: { id: 'count', type: 'script', language: 'python', script: 'import json\nprint("::weft-output::" + json.dumps({"count": 3}))' },
  defaultTimeout: '10m',
  nonRetryable: ['ScriptSetupError'],
  activity: 'runScript',
  secretFields: ['env'],
  rawFields: ['script', 'language'],
});
