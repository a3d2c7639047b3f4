// The `llm` task's activity: builds the messages (prompt, messages, or a prompt template),
// answers from the cache when the task allows it, otherwise calls the provider through its
// SDK under the provider's concurrency limit, heartbeating while tokens arrive. Provider
// errors become task errors whose type the flow's retry policy matches; retry-after and the
// tokens already spent travel in the failure details.

import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CacheRequest, LlmInput, LlmOutput } from '../src/core/runs/activity-io.js';
import { cacheSubjectOf, taskCacheKey } from '../src/services/cache/cache-key.js';
import type { TaskCache } from '../src/services/cache/task-cache.js';
import type { ConcurrencyLimit } from '../src/services/llm/concurrency-limit.js';
import { LlmError } from '../src/services/llm/llm-errors.js';
import { callModel } from '../src/services/llm/model-call.js';
import type { ChatMessage, ChunkListener, ModelRequest, ResolvedProvider, TokenUsage } from '../src/services/llm/model-types.js';
import { costOf, type LlmSettings } from '../src/services/llm/provider-config.js';
import { resolveProvider } from '../src/services/llm/resolve-provider.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import { type PromptTemplate, renderPrompt } from '../src/services/prompts/prompt-library.js';
import type { SecretSource } from '../src/services/secrets/secret-source.js';
import { tracedModelCall } from '../src/services/telemetry/client-spans.js';
import { recordModelUsage } from '../src/services/telemetry/weft-metrics.js';
import { withHeartbeat } from './heartbeat.js';
import { storeQuietly, writerOf } from './task-cache.js';

export interface LlmRuntime {
  settings: LlmSettings;
  limit: ConcurrencyLimit;
  prompts(): Promise<readonly PromptTemplate[]>;
}

/** Least time between heartbeats sent from stream chunks. */
const CHUNK_HEARTBEAT_MS = 1000;

/** Details of a failed llm attempt, for the workflow's retry and usage accounting. */
export interface LlmFailureDetails {
  retryAfterMs?: number;
  usage?: TokenUsage;
}

/** What an llm attempt uses besides its input: provider settings, secrets, logs and the task cache. */
interface LlmCall {
  runtime: LlmRuntime;
  secrets: SecretSource;
  used: Set<string>;
  logs: LogSink | undefined;
  cache: TaskCache | undefined;
}

export async function runLlmTask(
  input: LlmInput,
  runtime: LlmRuntime,
  secrets: SecretSource,
  used: Set<string>,
  logs?: LogSink,
  cache?: TaskCache,
): Promise<LlmOutput> {
  try {
    return await callProvider(input, { runtime, secrets, used, logs, cache });
  } catch (error) {
    throw llmTaskFailure(error);
  }
}

/**
 * A provider error as the task failure the workflow's retry policy matches by type, with the
 * retry-after and the tokens already spent in its details; any other error as it is.
 */
export function llmTaskFailure(error: unknown): unknown {
  if (!(error instanceof LlmError)) return error;
  const details: LlmFailureDetails = {
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...((error as { usage?: TokenUsage }).usage ? { usage: (error as { usage?: TokenUsage }).usage } : {}),
  };
  return ApplicationFailure.create({ type: error.type, message: error.message, nonRetryable: true, details: [details] });
}

/**
 * Runs one provider call under the provider's concurrency limit, heartbeating while it waits
 * for a slot or an answer, and as tokens stream in (at most once a CHUNK_HEARTBEAT_MS).
 */
export function heartbeatingProviderCall<T>(
  runtime: LlmRuntime,
  provider: ResolvedProvider,
  call: (signal: AbortSignal, onChunk: ChunkListener) => Promise<T>,
): Promise<T> {
  const ctx = Context.current();
  let lastBeat = 0;
  const onChunk = () => {
    const now = Date.now();
    if (now - lastBeat < CHUNK_HEARTBEAT_MS) return;
    lastBeat = now;
    ctx.heartbeat();
  };
  return withHeartbeat((signal) => runtime.limit.run(provider.name, provider.config.concurrency, () => call(signal, onChunk)));
}

// Everything that can fail with an LlmError (an unknown provider or a missing key included) runs
// in here, so each reaches the workflow as its typed failure and not as an error Temporal retries.
async function callProvider(input: LlmInput, call: LlmCall): Promise<LlmOutput> {
  const { runtime, logs, cache } = call;
  const provider = await resolveProvider(input.provider, runtime.settings, call.secrets, call.used);
  const request: ModelRequest = {
    model: input.model,
    ...(input.system ? { system: input.system } : {}),
    messages: await buildMessages(input, runtime),
    ...(input.responseSchema ? { responseSchema: input.responseSchema } : {}),
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
  };
  const cacheRequest = cacheRequestOf(input);
  // The built request (a prompt template's text included), not the task's fields: an edited template misses.
  const cacheKey = cacheRequest && cache ? taskCacheKey(cacheSubjectOf(input.context), cacheRequest, 'llm', { provider: input.provider, request }) : undefined;
  if (cacheKey && cache) {
    const hit = await cache.lookup(cacheKey);
    if (hit) {
      const answer = hit.output as CachedModelAnswer;
      await logUsage(logs, input, `${input.provider}/${answer.model}: answered from the cache (no tokens)`);
      return { ...answer, usage: { inputTokens: 0, outputTokens: 0 }, cached: true, cachedFrom: hit.origin };
    }
  }
  const result = await tracedModelCall(input.provider, input.model, () =>
    heartbeatingProviderCall(runtime, provider, (signal, onChunk) => callModel(provider, request, signal, onChunk)),
  );
  const cost = costOf(runtime.settings.prices, result.model, result.usage);
  recordModelUsage(input.provider, result.model, { ...result.usage, costUsd: cost });
  const output: LlmOutput = {
    text: result.text,
    json: result.json,
    usage: { ...result.usage, ...(cost !== undefined ? { costUsd: cost } : {}) },
    model: result.model,
    finishReason: result.finishReason,
  };
  const costText = output.usage.costUsd !== undefined ? `, about $${output.usage.costUsd.toFixed(4)}` : '';
  const repairs = result.calls > 1 ? ` over ${result.calls} calls (repair included)` : '';
  await logUsage(
    logs,
    input,
    `${input.provider}/${result.model}: ${result.usage.inputTokens} input + ${result.usage.outputTokens} output tokens${repairs}${costText}`,
  );
  if (cacheKey && cache && cacheRequest) {
    const answer: CachedModelAnswer = { text: output.text, json: output.json, model: output.model, finishReason: output.finishReason };
    await storeQuietly(cache, cacheKey, writerOf(input.context), answer, cacheRequest.ttlMs);
  }
  return output;
}

/** What a cache entry of an llm task holds: the answer without its usage (a hit costs nothing). */
type CachedModelAnswer = Pick<LlmOutput, 'text' | 'json' | 'model' | 'finishReason'>;

/** The task's `cache`; an attempt scheduled before `cache` carried only its ttl. */
function cacheRequestOf(input: LlmInput): CacheRequest | undefined {
  if (input.cache) return input.cache;
  return input.cacheTtlMs ? { ttlMs: input.cacheTtlMs } : undefined;
}

/** One line per attempt in the run's logs saying what the call cost; its id makes a rewrite a no-op. */
async function logUsage(logs: LogSink | undefined, input: LlmInput, message: string): Promise<void> {
  if (!logs) return;
  const { context } = input;
  const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
  await logs.write([
    {
      id: `${context.runId}|${key}#${context.attempt}|llm|usage`,
      runId: context.runId,
      flow: context.flow ?? '',
      taskId: context.taskId,
      ...(context.iteration ? { iteration: context.iteration } : {}),
      attempt: context.attempt,
      level: 'info',
      message,
      time: new Date().toISOString(),
    },
  ]);
}

async function buildMessages(input: LlmInput, runtime: LlmRuntime): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [...(input.messages ?? [])];
  if (input.promptTemplate) messages.push(await templateMessage(input.promptTemplate, input.promptArgs, runtime));
  if (input.prompt) messages.push({ role: 'user', content: input.prompt });
  return messages;
}

/** A prompt file of `prompts/` filled with its arguments, as a user message (`llm` and `agent` tasks). */
export async function templateMessage(name: string, promptArgs: Record<string, unknown> | undefined, runtime: LlmRuntime): Promise<ChatMessage> {
  const template = (await runtime.prompts()).find((p) => p.name === name);
  if (!template) {
    throw new LlmError('LlmBadRequestError', `prompt template "${name}" does not exist`, { hint: 'add prompts/<name>.md with a front matter naming it' });
  }
  const args = Object.fromEntries(Object.entries(promptArgs ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return { role: 'user', content: renderPrompt(template, args) };
}
