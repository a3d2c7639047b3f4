// The `llm` task in the workflow: renders its templates, hands the request to the `callLlm`
// activity, and records on the task run what the call cost (every attempt's tokens, repair
// rounds included) and whether the answer came from the cache.

import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { LlmFailureDetails } from '../activities/llm-call.js';
import { renderText, renderValue } from '../src/core/expressions/evaluate.js';
import type { LlmInput, LlmMessage, LlmOutput } from '../src/core/runs/activity-io.js';
import { type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { LlmTask } from '../src/core/spec/flow-spec.js';
import { defaultsOf } from '../src/core/task-types/run-defaults.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { cacheRequestOf } from './task-cache.js';

/** Extra time Temporal allows past the call's own timeout. */
const TIMEOUT_SLACK_MS = 30_000;

export async function runLlm(ctx: RunContext, task: LlmTask, frame: Frame, record: TaskRunRecord, attempt: number): Promise<unknown> {
  const scope = frame.scope();
  const secretScope = ctx.secretScope(frame);
  const at = (field: string) => `${task.id}.${field}`;
  const key = taskRunKey(task.id, frame.iteration);
  const limit = parseDuration(task.timeout ?? defaultsOf(ctx.taskDefaults, 'llm').defaultTimeout ?? '5m') ?? 300_000;
  const input: LlmInput = {
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    provider: renderText(task.provider, secretScope, at('provider')),
    model: renderText(task.model, scope, at('model')),
    ...(task.system !== undefined ? { system: renderText(task.system, scope, at('system')) } : {}),
    ...(task.prompt !== undefined ? { prompt: renderText(task.prompt, scope, at('prompt')) } : {}),
    ...(task.messages !== undefined ? { messages: renderValue(task.messages, scope, at('messages')) as LlmMessage[] } : {}),
    ...(task.promptTemplate !== undefined ? { promptTemplate: task.promptTemplate } : {}),
    ...(task.promptArgs !== undefined ? { promptArgs: renderValue(task.promptArgs, scope, at('promptArgs')) as Record<string, unknown> } : {}),
    ...(task.responseSchema !== undefined ? { responseSchema: task.responseSchema } : {}),
    ...(task.temperature !== undefined ? { temperature: task.temperature } : {}),
    ...(task.maxTokens !== undefined ? { maxTokens: task.maxTokens } : {}),
    ...(task.cache ? { cache: cacheRequestOf(task, frame) } : {}),
  };
  const acts = ctx.activities(key, attempt, `${key}: ${input.provider} ${input.model}`, limit + TIMEOUT_SLACK_MS, task.id);
  try {
    const output = (await acts.callLlm(input)) as LlmOutput;
    addUsage(record, output.usage);
    if (output.cached) record.cached = true;
    if (output.cachedFrom) record.cachedFrom = output.cachedFrom;
    const { cached: _cached, cachedFrom: _cachedFrom, ...shown } = output;
    return shown;
  } catch (error) {
    const details = failureDetails(error);
    if (details?.usage) addUsage(record, details.usage);
    throw error;
  }
}

export function addUsage(record: TaskRunRecord, usage: { inputTokens: number; outputTokens: number; costUsd?: number }): void {
  const sum = record.usage ?? { inputTokens: 0, outputTokens: 0 };
  sum.inputTokens += usage.inputTokens;
  sum.outputTokens += usage.outputTokens;
  if (usage.costUsd !== undefined) sum.costUsd = (sum.costUsd ?? 0) + usage.costUsd;
  record.usage = sum;
}

/** The details an llm activity attached to its failure (retry-after, tokens spent). */
export function failureDetails(error: unknown): LlmFailureDetails | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure)) return undefined;
  return cause.details?.[0] as LlmFailureDetails | undefined;
}
