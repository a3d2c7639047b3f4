// Anthropic Messages through the official SDK, with the client of provider-client.ts. Structured
// output is a forced tool call whose input schema is the response schema (Anthropic's native mechanism). `max_tokens`
// is required by the API, so the provider's default applies when the task sets none.

import type Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { ProviderSchema } from '../../core/spec/response-schema.js';
import type { ChunkListener, ModelReply, ModelRequest, ResolvedProvider } from './model-types.js';
import { anthropicClient } from './provider-client.js';

const TOOL_NAME = 'respond';

export async function anthropicMessages(
  provider: ResolvedProvider,
  request: ModelRequest,
  schema: ProviderSchema | undefined,
  signal: AbortSignal,
  onChunk: ChunkListener,
): Promise<ModelReply> {
  const client = await anthropicClient(provider);
  // System messages are a top-level field in this API.
  const system = [request.system, ...request.messages.filter((m) => m.role === 'system').map((m) => m.content)].filter(Boolean).join('\n\n');
  const params: MessageCreateParamsNonStreaming = {
    model: request.model,
    max_tokens: request.maxTokens ?? provider.config.defaultMaxTokens,
    messages: request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
    ...(system ? { system } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(schema
      ? {
          tools: [{ name: TOOL_NAME, description: 'Return the response in this exact shape.', input_schema: schema.schema as Anthropic.Tool.InputSchema }],
          tool_choice: { type: 'tool' as const, name: TOOL_NAME },
        }
      : {}),
  };
  const { message, text } = await sendMessage(client, provider, params, signal, onChunk);
  const reply: ModelReply = {
    text,
    usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
    model: message.model || request.model,
    finishReason: message.stop_reason ?? '',
  };
  if (!schema) return reply;
  const tool = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === TOOL_NAME);
  if (!tool) return { ...reply, jsonError: 'the model did not call the respond tool' };
  return { ...reply, text: text || JSON.stringify(tool.input), json: schema.unwrap(tool.input) };
}

/** Sends one Messages request, streamed when the provider says so (each event a chunk), and answers the message with its text. */
export async function sendMessage(
  client: Anthropic,
  provider: ResolvedProvider,
  params: MessageCreateParamsNonStreaming,
  signal: AbortSignal,
  onChunk: ChunkListener,
): Promise<{ message: Anthropic.Message; text: string }> {
  let message: Anthropic.Message;
  if (provider.config.stream) {
    const stream = client.messages.stream(params, { signal });
    stream.on('streamEvent', () => onChunk());
    message = await stream.finalMessage();
  } else {
    message = await client.messages.create(params, { signal });
  }
  const text = message.content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
  return { message, text };
}
