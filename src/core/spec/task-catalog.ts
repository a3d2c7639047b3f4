// The task catalog an author (person or agent) needs: per type, what it does, its config
// schema (from the validator's own zod schemas), its output shape, its runtime defaults and a
// small example. Served by `list_task_types` and usable by any adapter.

import { z } from 'zod';
import { customTaskType } from './custom-task-types.js';
import { CommonTaskFields } from './schemas.js';
import { allTaskTypeNames, isTaskTypeName, type TaskTypeName, taskTypeInfo } from './task-types.js';

/** Output shape of each task type, as the spec states it. */
const OUTPUTS: Record<TaskTypeName, string> = {
  log: '{}',
  set: 'the evaluated `values` map',
  fail: 'none (fails the run)',
  sleep: '{}',
  http: '{ status, headers, body } (body parsed when JSON)',
  script: '{ exitCode, outputs, stdoutTail, stderrTail } (outputs: JSON objects printed as `::weft-output::{...}` lines or written to $WEFT_OUTPUT)',
  llm: '{ text, json, usage: { inputTokens, outputTokens }, model, finishReason }',
  approval: '{ approved, by, comment, data, respondedAt }',
  subflow: '{ runId, state, outputs }',
  sequence: '{}',
  parallel: '{}',
  if: '{ branch: "then" | "else" }',
  switch: '{ case } (the matched key, or "default")',
  foreach: '{ iterations: [ { <taskId>: <output>, ... } ] } (one map per item, in item order)',
};

const EXAMPLES: Record<TaskTypeName, Record<string, unknown>> = {
  log: { id: 'note', type: 'log', message: 'fetched {{ size(outputs.fetch.body) }} items', level: 'info' },
  set: { id: 'totals', type: 'set', values: { count: '{{ size(inputs.items) }}', label: 'batch-{{ run.id }}' } },
  fail: { id: 'stop', type: 'fail', when: '{{ outputs.fetch.status == 404 }}', message: 'not found: {{ inputs.url }}' },
  sleep: { id: 'pause', type: 'sleep', duration: '5m' },
  http: {
    id: 'fetch',
    type: 'http',
    url: '{{ inputs.url }}',
    method: 'GET',
    headers: { Authorization: "Bearer {{ secret('API_TOKEN') }}" },
    retry: { maxAttempts: 3, nonRetryable: ['HttpClientError'] },
  },
  script: { id: 'count', type: 'script', language: 'python', script: 'import json\nprint("::weft-output::" + json.dumps({"count": 3}))' },
  llm: { id: 'classify', type: 'llm', provider: 'anthropic', model: 'claude-sonnet-4-6', prompt: 'Classify: {{ item.title }}' },
  approval: {
    id: 'review',
    type: 'approval',
    message: 'Publish {{ inputs.title }}?',
    timeout: '1d',
    approvers: 'human',
    fields: { type: 'object', properties: { reason: { type: 'string' } } },
  },
  subflow: { id: 'child', type: 'subflow', flow: 'default/other-flow', inputs: { name: '{{ inputs.name }}' } },
  sequence: { id: 'steps', type: 'sequence', tasks: [{ id: 'a', type: 'log', message: 'one' }] },
  parallel: {
    id: 'both',
    type: 'parallel',
    tasks: [
      { id: 'left', type: 'log', message: 'l' },
      { id: 'right', type: 'log', message: 'r' },
    ],
  },
  // biome-ignore lint/suspicious/noThenProperty: `then` is the spec's field name; this is data, never awaited.
  if: { id: 'gate', type: 'if', condition: '{{ inputs.count > 10 }}', then: [{ id: 'big', type: 'log', message: 'big batch' }] },
  switch: { id: 'route', type: 'switch', value: '{{ inputs.kind }}', cases: { bug: [{ id: 'tag_bug', type: 'log', message: 'bug' }] } },
  foreach: {
    id: 'each',
    type: 'foreach',
    items: '{{ inputs.urls }}',
    concurrency: 4,
    tasks: [{ id: 'get', type: 'http', url: '{{ item }}' }],
  },
};

export interface TaskTypeSummary {
  type: string;
  /** `builtin`, or `code` for a type registered by a Weft module. */
  origin: 'builtin' | 'code';
  description: string;
  fields: string[];
  output: string;
  available: boolean;
}

export interface TaskTypeDetail extends TaskTypeSummary {
  /** JSON Schema of the task's own fields (common fields are in `commonFields`). */
  config: Record<string, unknown>;
  commonFields: string[];
  defaultTimeout?: string;
  nonRetryable?: string[];
  unavailableReason?: string;
  example: Record<string, unknown>;
}

function outputOf(type: string): string {
  return isTaskTypeName(type) ? OUTPUTS[type] : (customTaskType(type)?.output ?? '');
}

function exampleOf(type: string): Record<string, unknown> {
  return isTaskTypeName(type) ? EXAMPLES[type] : (customTaskType(type)?.example ?? { id: 'my_task', type });
}

function summaryOf(type: string): TaskTypeSummary {
  const info = taskTypeInfo(type);
  return {
    type,
    origin: isTaskTypeName(type) ? 'builtin' : 'code',
    description: info.description,
    fields: Object.keys(info.config),
    output: outputOf(type),
    available: !info.unavailable,
  };
}

export function taskTypeSummaries(): TaskTypeSummary[] {
  return allTaskTypeNames().map(summaryOf);
}

export function taskTypeDetail(type: string): TaskTypeDetail {
  const info = taskTypeInfo(type);
  const config = z.toJSONSchema(z.strictObject(info.config), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete config.$schema;
  return {
    ...summaryOf(type),
    config,
    commonFields: Object.keys(CommonTaskFields),
    ...(info.defaultTimeout ? { defaultTimeout: info.defaultTimeout } : {}),
    ...(info.nonRetryable?.length ? { nonRetryable: [...info.nonRetryable] } : {}),
    ...(info.unavailable ? { unavailableReason: info.unavailable } : {}),
    example: exampleOf(type),
  };
}
