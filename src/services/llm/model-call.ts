// One `llm` step: the provider call, and for a `responseSchema` the validation of what came
// back with a bounded repair round (the model sees its invalid answer and what was wrong).
// Usage is summed over every round, repairs included.

import { type ProviderSchema, rootedSchema, schemaProblems, strictSchema } from '../../core/spec/response-schema.js';
import { LlmInvalidOutputError } from './llm-errors.js';
import type { ChunkListener, ModelRequest, ResolvedProvider, TokenUsage } from './model-types.js';
import { toLlmError } from './provider-errors.js';

/** Repair rounds after an answer that does not match the schema. */
export const REPAIR_ROUNDS = 1;

export interface ModelResult {
  text: string;
  json: unknown;
  usage: TokenUsage;
  model: string;
  finishReason: string;
  /** Provider calls made (1 + repair rounds used). */
  calls: number;
}

/** A responseSchema as the provider's wire format takes it: OpenAI's strict mode, or a rooted object for a tool's input. */
export function providerSchema(provider: ResolvedProvider, wanted: Record<string, unknown> | undefined): ProviderSchema | undefined {
  if (!wanted) return undefined;
  return provider.config.kind === 'openai' ? strictSchema(wanted) : rootedSchema(wanted);
}

export async function callModel(
  provider: ResolvedProvider,
  request: ModelRequest,
  signal: AbortSignal,
  onChunk: ChunkListener = () => {},
): Promise<ModelResult> {
  const wanted = request.responseSchema;
  const schema = providerSchema(provider, wanted);
  // The SDKs load on the first model call: a worker that runs no llm step never holds them
  // (about 35 MB together; bench workload 7 measures the worker's idle memory).
  const call = provider.config.kind === 'openai' ? (await import('./openai-chat.js')).openAiChat : (await import('./anthropic-messages.js')).anthropicMessages;
  const messages = [...request.messages];
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (let round = 0; ; round++) {
    let reply: Awaited<ReturnType<typeof call>>;
    try {
      reply = await call(provider, { ...request, messages }, schema, signal, onChunk);
    } catch (error) {
      throw withUsage(toLlmError(provider.name, provider.keyName, error), usage);
    }
    usage.inputTokens += reply.usage.inputTokens;
    usage.outputTokens += reply.usage.outputTokens;
    const base = { text: reply.text, usage, model: reply.model, finishReason: reply.finishReason, calls: round + 1 };
    if (!wanted) return { ...base, json: null };
    const problems = reply.jsonError ? [reply.jsonError] : schemaProblems(wanted, reply.json);
    if (problems.length === 0) return { ...base, json: reply.json };
    if (round >= REPAIR_ROUNDS) throw withUsage(new LlmInvalidOutputError(problems.join('; ')), usage);
    messages.push(
      { role: 'assistant', content: reply.text },
      { role: 'user', content: `Your answer does not match the required JSON Schema (${problems.join('; ')}). Answer again with corrected JSON only.` },
    );
  }
}

/** Failed calls still used tokens; the error carries them so the run's usage stays true. */
function withUsage(error: unknown, usage: TokenUsage): unknown {
  if (error && typeof error === 'object') (error as { usage?: TokenUsage }).usage = { ...usage };
  return error;
}
