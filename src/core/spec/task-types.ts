// The catalog of task types: each one's config schema, which of its fields hold nested task
// lists, its default per-attempt timeout and the error types it never retries by default.

import { z } from 'zod';
import { customTaskType, customTaskTypeNames } from './custom-task-types.js';
import { CommonTaskFields, DurationText, SingleExpression } from './schemas.js';
import { TASK_DEFAULTS, type TaskDefaults } from './task-defaults.js';

const TaskList = z.array(z.unknown()).min(1, 'must hold at least one task');
const StringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const StatusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]\d\d(-[1-5]\d\d)?$/, 'must be a status such as 200 or a range such as 200-299'),
]);

/** One entry of the catalog. `nested` lists the fields that hold task lists. */
export interface TaskTypeInfo extends TaskDefaults {
  description: string;
  config: Record<string, z.ZodType>;
  nested: readonly string[];
  /** Fields that hold a map of task lists (switch cases). */
  nestedMaps?: readonly string[];
  /** Fields whose templates may call `secret()`. */
  secretFields?: readonly string[];
  /** Fields that are not templates (besides ids, types, nested lists, durations, retry). */
  rawFields?: readonly string[];
  /** Present when the type is in the spec but this build cannot run it yet. */
  unavailable?: string;
}

export const TASK_TYPES = {
  log: {
    description: 'Writes a line to the run logs.',
    config: { message: z.string().max(65536), level: z.enum(['debug', 'info', 'warn', 'error']).optional() },
    nested: [],
  },
  set: {
    description: 'Computes values; its output is the evaluated map.',
    config: { values: z.record(z.string(), z.unknown()) },
    nested: [],
  },
  fail: {
    description: 'Fails the run on purpose with a message.',
    config: { message: z.string().max(65536) },
    nested: [],
  },
  sleep: {
    description: 'Waits durably for a duration or until a timestamp.',
    config: { duration: DurationText.optional(), until: z.string().max(4096).optional() },
    nested: [],
    rawFields: ['duration'],
  },
  http: {
    description: 'Makes an HTTP request; output { status, headers, body }.',
    config: {
      url: z.string().min(1).max(8192),
      method: z.enum(HTTP_METHODS).optional(),
      headers: StringMap.optional(),
      query: StringMap.optional(),
      json: z.unknown().optional(),
      body: z
        .string()
        .max(10 * 1024 * 1024)
        .optional(),
      expectStatus: z.union([StatusSpec, z.array(StatusSpec).min(1).max(50)]).optional(),
      responseType: z.enum(['auto', 'json', 'text']).optional(),
    },
    nested: [],
    ...TASK_DEFAULTS.http,
    secretFields: ['url', 'headers', 'query', 'json', 'body'],
    rawFields: ['expectStatus', 'responseType', 'method'],
  },
  script: {
    description: 'Runs a bash, python or node script in a subprocess; output { exitCode, outputs, stdoutTail, stderrTail }.',
    config: {
      language: z.enum(['bash', 'python', 'node']),
      script: z
        .string()
        .min(1)
        .max(1024 * 1024),
      env: StringMap.optional(),
      workingDir: z.string().max(4096).optional(),
    },
    nested: [],
    ...TASK_DEFAULTS.script,
    secretFields: ['env'],
    rawFields: ['script', 'language'],
  },
  llm: {
    description: 'One model step (OpenAI, Anthropic or an OpenAI-compatible server); output { text, json, usage, model, finishReason }.',
    config: {
      provider: z.string().min(1).max(200),
      model: z.string().min(1).max(200),
      system: z
        .string()
        .max(1024 * 1024)
        .optional(),
      prompt: z
        .string()
        .max(1024 * 1024)
        .optional(),
      messages: z
        .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(1024 * 1024) }))
        .min(1)
        .max(1000)
        .optional(),
      promptTemplate: z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, 'must name a prompt file of prompts/ (lowercase, digits, _)')
        .optional(),
      promptArgs: z.record(z.string(), z.unknown()).optional(),
      responseSchema: z.record(z.string(), z.unknown()).optional(),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    },
    nested: [],
    ...TASK_DEFAULTS.llm,
    secretFields: ['provider'],
    rawFields: ['responseSchema', 'promptTemplate'],
  },
  approval: {
    description: 'Waits for a person (or, with approvers: any, an agent) to approve or reject.',
    config: {
      message: z.string().max(65536),
      timeout: DurationText.optional(),
      onTimeout: z.enum(['fail', 'approve', 'reject']).optional(),
      onReject: z.enum(['fail', 'continue']).optional(),
      approvers: z.enum(['human', 'any']).optional(),
      fields: z.record(z.string(), z.unknown()).optional(),
    },
    nested: [],
    ...TASK_DEFAULTS.approval,
    rawFields: ['fields', 'onTimeout', 'onReject', 'approvers'],
  },
  subflow: {
    description: 'Runs another saved flow as a child run; output { runId, state, outputs }.',
    config: {
      flow: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}\/[a-z0-9][a-z0-9_-]{0,63}$/, 'must be "namespace/id"'),
      revision: z.number().int().min(1).optional(),
      inputs: z.record(z.string(), z.unknown()).optional(),
      wait: z.boolean().optional(),
    },
    nested: [],
    rawFields: ['flow'],
  },
  sequence: { description: 'Runs tasks in order.', config: { tasks: TaskList }, nested: ['tasks'] },
  parallel: {
    description: 'Runs its tasks at once, each one a branch.',
    config: { tasks: TaskList, concurrency: z.number().int().min(1).max(1000).optional() },
    nested: ['tasks'],
  },
  if: {
    description: 'Runs `then` or `else` on a condition; output { branch }.',
    // biome-ignore lint/suspicious/noThenProperty: `then` is the spec's field name; this is a schema, never awaited.
    config: { condition: SingleExpression, then: TaskList, else: TaskList.optional() },
    nested: ['then', 'else'],
  },
  switch: {
    description: 'Runs the tasks of the case matching a value; output { case }.',
    config: { value: SingleExpression, cases: z.record(z.string(), TaskList), default: TaskList.optional() },
    nested: ['default'],
    nestedMaps: ['cases'],
  },
  foreach: {
    description: 'Runs its tasks once per item; output { iterations }.',
    config: {
      items: z.union([SingleExpression, z.array(z.unknown()).max(100_000)]),
      concurrency: z.number().int().min(1).max(1000).optional(),
      tasks: TaskList,
    },
    nested: ['tasks'],
  },
} as const satisfies Record<string, TaskTypeInfo>;

export type TaskTypeName = keyof typeof TASK_TYPES;
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as TaskTypeName[];

/** The strict zod schema of one task type (common fields + its config), built-in or custom. */
export function taskSchema(type: string): z.ZodObject {
  return z.strictObject({ ...CommonTaskFields, type: z.literal(type), ...taskTypeInfo(type).config });
}

/** Whether `name` is a built-in task type. */
export function isTaskTypeName(name: unknown): name is TaskTypeName {
  return typeof name === 'string' && Object.hasOwn(TASK_TYPES, name);
}

/** Whether `name` is a task type this process knows: built-in or registered from code. */
export function isKnownTaskType(name: unknown): name is string {
  return isTaskTypeName(name) || (typeof name === 'string' && customTaskType(name) !== undefined);
}

/** Built-in types, then the custom ones. */
export function allTaskTypeNames(): string[] {
  return [...TASK_TYPE_NAMES, ...customTaskTypeNames()];
}

export function taskTypeInfo(type: string): TaskTypeInfo {
  if (isTaskTypeName(type)) return TASK_TYPES[type];
  const custom = customTaskType(type);
  if (!custom) throw new Error(`unknown task type ${type}`);
  return {
    description: custom.description,
    config: custom.config,
    nested: [],
    ...(custom.defaultTimeout ? { defaultTimeout: custom.defaultTimeout } : {}),
    ...(custom.secretFields ? { secretFields: custom.secretFields } : {}),
  };
}

/** Control fields that must be a single `{{ expr }}` and are evaluated for their value. */
export const CONTROL_FIELDS = ['when', 'condition', 'items', 'value'] as const;

// Re-exported so the JSON Schema export can use the same definitions.
export { SingleExpression };
