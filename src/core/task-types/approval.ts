// `approval`: the workflow waits for a person (or, with approvers: any, an agent) to answer
// through an update; no activity.

import { z } from 'zod';
import { validateApprovalFields } from '../spec/approval-fields.js';
import { formatPath } from '../spec/zod-problems.js';
import { describeTaskType } from './descriptor.js';
import { DurationText } from './fields.js';

export const approval = describeTaskType({
  name: 'approval',
  description: 'Waits for a person (or, with approvers: any, an agent) to approve or reject.',
  config: {
    message: z.string().max(65536),
    timeout: DurationText.optional(),
    onTimeout: z.enum(['fail', 'approve', 'reject']).optional(),
    onReject: z.enum(['fail', 'continue']).optional(),
    approvers: z.enum(['human', 'any']).optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
  },
  output: '{ approved, by, comment, data, respondedAt }',
  example: {
    id: 'review',
    type: 'approval',
    message: 'Publish {{ inputs.title }}?',
    timeout: '1d',
    approvers: 'human',
    fields: { type: 'object', properties: { reason: { type: 'string' } } },
  },
  nonRetryable: ['ApprovalRejected', 'ApprovalTimedOut'],
  rawFields: ['fields', 'onTimeout', 'onReject', 'approvers'],
  check(task, path) {
    if (task.fields === undefined) return [];
    return validateApprovalFields(task.fields).map((problem) => {
      const at = formatPath(`${path}.fields`, problem.at);
      return { path: at, message: `${at} ${problem.message}` };
    });
  },
});
