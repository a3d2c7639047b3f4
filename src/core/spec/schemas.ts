// zod schemas for the parts of a flow that are not task lists: ids, durations, retry, inputs.
// Task-type configs live in ../task-types/ (one descriptor per type); the walker in
// validate-flow.ts ties them together.

import { z } from 'zod';
import { parseDuration } from './duration.js';
import { QUEUE_NAME_PATTERN } from './task-queues.js';

export const FLOW_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
export const TASK_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A task or input id as the spec defines it. */
export const Identifier = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(TASK_ID_PATTERN, 'must start with a letter or "_" and hold only letters, digits and "_"');

/** A duration such as `30s`, `5m`, `1h30m` or `PT5M`. */
export const DurationText = z.string().refine((v) => parseDuration(v) !== undefined, {
  message: 'is not a duration; write e.g. 500ms, 30s, 5m, 2h, 1d or PT5M',
});

/** A string that must be exactly one `{{ expr }}` (control fields such as `when` and `condition`). */
export const SingleExpression = z.string().regex(/^\s*\{\{[\s\S]*\}\}\s*$/, 'must be a single "{{ expression }}"');

export const RetryPolicy = z.strictObject({
  maxAttempts: z.number().int('must be an integer').min(1, 'must be an integer >= 1').max(100, 'must be at most 100').optional(),
  initialInterval: DurationText.optional(),
  backoffCoefficient: z.number().min(1, 'must be >= 1').max(100, 'must be at most 100').optional(),
  maxInterval: DurationText.optional(),
  nonRetryable: z.array(z.string().min(1).max(128)).max(64).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const InputType = z.enum(['string', 'integer', 'number', 'boolean', 'object', 'array', 'any']);
export type InputType = z.infer<typeof InputType>;

export const FlowInput = z.strictObject({
  id: Identifier,
  type: InputType.default('string'),
  description: z.string().max(2000).optional(),
  required: z.boolean().optional(),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).min(1).max(1000).optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
export type FlowInput = z.infer<typeof FlowInput>;

/**
 * `cache` of an I/O task: a hit within `ttl` ends the task CACHED with the stored output. `key`
 * (a template, rendered like the task's fields) shares entries across the namespace; absent, the
 * key is the flow, the task id and the rendered configuration.
 */
export const CacheConfig = z.strictObject({
  ttl: DurationText,
  key: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters').optional(),
});

/** A worker group's name (flow-spec `queue`): only workers started with `weft worker --queue NAME` run its tasks' activities. */
export const QueueName = z
  .string()
  .regex(QUEUE_NAME_PATTERN, 'must be a queue name: letters, digits, "_", "." and "-", at most 64 ("default" is Weft\'s own queue)');

/** Fields every task may carry, whatever its type. */
export const CommonTaskFields = {
  id: Identifier,
  type: z.string(),
  description: z.string().max(2000).optional(),
  when: SingleExpression.optional(),
  retry: RetryPolicy.optional(),
  timeout: DurationText.optional(),
  allowFailure: z.boolean().optional(),
  cache: CacheConfig.optional(),
  limits: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a limit name: letters, digits, "_", "." and "-", at most 64'))
    .min(1, 'must name at least one limit')
    .max(8, 'may name at most 8 limits')
    .optional(),
  queue: QueueName.optional(),
};

/** A flow's `concurrency`: how many of its runs at once, per key value, and what a run over it does. */
export const ConcurrencyConfig = z.strictObject({
  limit: z.number().int('must be an integer').min(1, 'must be an integer >= 1').max(10_000, 'must be at most 10000'),
  key: z.string().min(1).max(1000).optional(),
  onLimit: z.enum(['queue', 'cancel', 'fail']).optional(),
});
export type ConcurrencyConfig = z.infer<typeof ConcurrencyConfig>;
export const COMMON_TASK_FIELD_NAMES = Object.keys(CommonTaskFields);

/** Control fields that must be a single `{{ expr }}` and are evaluated for their value. */
export const CONTROL_FIELDS = ['when', 'condition', 'items', 'value'] as const;
