// The inputs of the service operations, as zod schemas checked at the service's edge: the CLI,
// MCP and HTTP adapters (and TypeScript callers) all get the same bounds and the same
// field-named errors, whatever checks the adapter did before.

import { z } from 'zod';
import { FlowValidationError } from '../core/errors.js';
import { RUN_STATES } from '../core/runs/run-types.js';
import { RUN_TRIGGERS } from '../core/runs/search-attributes.js';
import { FLOW_LIMITS } from '../core/spec/limits.js';
import { problemsFromZod } from '../core/spec/zod-problems.js';

const FlowRef = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[^/\s]+\/[^/\s]+$/, 'must be "namespace/id"');
const Cursor = z.string().max(4096);
const Time = z.string().max(64);

export const StartRunRequestSchema = z.strictObject({
  flow: FlowRef,
  revision: z.number().int().min(1).optional(),
  inputs: z
    .record(z.string(), z.unknown())
    .refine((v) => JSON.stringify(v).length <= FLOW_LIMITS.maxInputBytes, `must be at most ${FLOW_LIMITS.maxInputBytes} bytes of JSON`)
    .optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  trigger: z.string().max(50).optional(),
  /** `run.event`: what started the run, in detail (spec, Triggers). */
  event: z.record(z.string(), z.unknown()).optional(),
});

export const RunListFilterSchema = z.strictObject({
  flow: FlowRef.optional(),
  namespace: z.string().max(128).optional(),
  state: z.enum(RUN_STATES).optional(),
  /** What started the run (`run.trigger`); runs started before Weft recorded it match no value. */
  trigger: z.enum(RUN_TRIGGERS).optional(),
  since: Time.optional(),
  until: Time.optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const LogQuerySchema = z.strictObject({
  runId: z.string().max(300).optional(),
  flow: FlowRef.optional(),
  taskId: z.string().max(200).optional(),
  level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  contains: z.string().max(500).optional(),
  since: Time.optional(),
  until: Time.optional(),
  tail: z.number().int().min(1).max(100_000).optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
  maxBytes: z.number().int().min(1).optional(),
  maxMessageBytes: z.number().int().min(1).optional(),
});

export const FlowListOptionsSchema = z.strictObject({
  namespace: z.string().max(128).optional(),
  search: z.string().max(200).optional(),
  cursor: Cursor.optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const FlowTextSchema = z.string().min(1).max(FLOW_LIMITS.maxDocumentBytes);

/** Checks a request at the service's edge; every problem, named by field, in one error. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, subject: string): z.output<T> {
  // The input in the issues lets a message name the value it refused (short scalars only).
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const fields = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  throw new FlowValidationError(problemsFromZod(parsed.error.issues, '', fields, subject), subject);
}
