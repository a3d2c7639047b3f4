// OpenAI Chat Completions (and OpenAI-compatible servers) through the official SDK, with the
// client of provider-client.ts. Structured output uses `response_format` json_schema in strict mode.

import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { ProviderSchema } from '../../core/spec/response-schema.js';
import type { ChunkListener, ModelReply, ModelRequest, ResolvedProvider } from './model-types.js';
import { openAiClient } from './provider-client.js';

export async function openAiChat(
  provider: ResolvedProvider,
  request: ModelRequest,
  schema: ProviderSchema | undefined,
  signal: AbortSignal,
  onChunk: ChunkListener,
): Promise<ModelReply> {
  const client = await openAiClient(provider);
  const messages = [...(request.system ? [{ role: 'system' as const, content: request.system }] : []), ...request.messages];
  const params: ChatCompletionCreateParams = {
    model: request.model,
    messages,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    ...(schema ? { response_format: { type: 'json_schema', json_schema: { name: 'response', schema: schema.schema, strict: true } } } : {}),
  };
  let reply: Omit<ModelReply, 'json' | 'jsonError'>;
  if (provider.config.stream) {
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal });
    let text = '';
    let finishReason = '';
    let model = request.model;
    let usage = { inputTokens: 0, outputTokens: 0 };
    for await (const chunk of stream) {
      onChunk();
      model = chunk.model || model;
      const choice = chunk.choices[0];
      if (choice?.delta?.content) text += choice.delta.content;
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
    }
    reply = { text, usage, model, finishReason };
  } else {
    const completion = await client.chat.completions.create({ ...params, stream: false }, { signal });
    const choice = completion.choices[0];
    reply = {
      text: choice?.message?.content ?? '',
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      model: completion.model || request.model,
      finishReason: choice?.finish_reason ?? '',
    };
  }
  if (!schema) return reply;
  try {
    return { ...reply, json: schema.unwrap(JSON.parse(reply.text)) };
  } catch (error) {
    return { ...reply, jsonError: `not JSON: ${(error as Error).message}` };
  }
}
