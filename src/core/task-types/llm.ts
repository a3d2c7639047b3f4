// `llm`: one model step, made by the `callLlm` activity (provider, cache and repair rounds there).

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { schemaError } from '../spec/response-schema.js';
import { describeTaskType } from './descriptor.js';

export const llm = describeTaskType({
  name: 'llm',
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
  output: '{ text, json, usage: { inputTokens, outputTokens }, model, finishReason }',
  example: { id: 'classify', type: 'llm', provider: 'anthropic', model: 'claude-sonnet-4-6', prompt: 'Classify: {{ item.title }}' },
  defaultTimeout: '5m',
  nonRetryable: ['LlmBadRequestError', 'LlmAuthenticationError', 'LlmProviderNotConfiguredError'],
  activity: 'callLlm',
  cacheable: true,
  secretFields: ['provider'],
  rawFields: ['responseSchema', 'promptTemplate'],
  check: checkPrompt,
});

function checkPrompt(task: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const given = (['prompt', 'messages', 'promptTemplate'] as const).filter((f) => task[f] !== undefined);
  if (given.length !== 1 && !(given.length === 2 && given.includes('messages') && given.includes('prompt'))) {
    problems.push({
      path,
      message: `${path} needs one of prompt, messages or promptTemplate${given.length ? ` (got ${given.join(' and ')})` : ''}`,
      hint: 'e.g. prompt: "Summarise {{ outputs.fetch.body }}"; messages may be followed by a final prompt',
    });
  }
  if (task.promptArgs !== undefined && task.promptTemplate === undefined) {
    problems.push({ path: `${path}.promptArgs`, message: `${path}.promptArgs needs promptTemplate`, hint: 'name a prompt file of prompts/ in promptTemplate' });
  }
  if (task.responseSchema !== undefined) {
    const problem = schemaError(task.responseSchema as Record<string, unknown>);
    if (problem) problems.push({ path: `${path}.responseSchema`, message: `${path}.responseSchema is not a valid JSON Schema: ${problem}` });
  }
  return problems;
}
