// An agent's model call in the OpenAI Chat Completions wire format (and OpenAI-compatible
// servers), through the official SDK: tools as `tools` functions, the model's calls in
// `tool_calls` (assembled from deltas when streaming), results as `role: tool` messages. The
// format has no error flag on a result, so a failed call's text says `Error:` first.

import type { ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AgentMessage, AgentToolCall } from '../../core/runs/agent-io.js';
import type { ProviderSchema } from '../../core/spec/response-schema.js';
import type { ChunkListener, ResolvedProvider } from './model-types.js';
import { openAiClient } from './provider-client.js';
import { parseArguments, type ToolChatRequest, type WireReply } from './tool-chat.js';

export async function openAiToolChat(
  provider: ResolvedProvider,
  request: ToolChatRequest,
  schema: ProviderSchema | undefined,
  signal: AbortSignal,
  onChunk: ChunkListener,
): Promise<WireReply> {
  const client = await openAiClient(provider);
  const params: ChatCompletionCreateParams = {
    model: request.model,
    messages: [...(request.system ? [{ role: 'system' as const, content: request.system }] : []), ...request.messages.map(toWire)],
    tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.parameters } })),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    ...(schema ? { response_format: { type: 'json_schema', json_schema: { name: 'response', schema: schema.schema, strict: true } } } : {}),
  };
  if (!provider.config.stream) {
    const completion = await client.chat.completions.create({ ...params, stream: false }, { signal });
    const choice = completion.choices[0];
    const calls = (choice?.message?.tool_calls ?? []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, text: c.function.arguments }] : [],
    );
    return {
      text: choice?.message?.content ?? '',
      toolCalls: calls.map(toCall),
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      model: completion.model || request.model,
      finishReason: choice?.finish_reason ?? '',
    };
  }
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, { signal });
  let text = '';
  let finishReason = '';
  let model = request.model;
  let usage = { inputTokens: 0, outputTokens: 0 };
  // A call arrives in pieces: its id and name first, then its arguments, keyed by index.
  const calls: { id: string; name: string; text: string }[] = [];
  for await (const chunk of stream) {
    onChunk();
    model = chunk.model || model;
    const choice = chunk.choices[0];
    if (choice?.delta?.content) text += choice.delta.content;
    for (const delta of choice?.delta?.tool_calls ?? []) {
      calls[delta.index] ??= { id: '', name: '', text: '' };
      const call = calls[delta.index] as { id: string; name: string; text: string };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.text += delta.function.arguments;
    }
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
  }
  return { text, toolCalls: calls.filter(Boolean).map(toCall), usage, model, finishReason };
}

function toCall(call: { id: string; name: string; text: string }): AgentToolCall {
  return { id: call.id, name: call.name, ...parseArguments(call.text) };
}

function toWire(message: AgentMessage): ChatCompletionMessageParam {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.callId, content: message.isError ? `Error: ${message.content}` : message.content };
  if (message.role === 'assistant' && 'toolCalls' in message) {
    return {
      role: 'assistant',
      content: message.content || null,
      tool_calls: message.toolCalls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.arguments) },
      })),
    };
  }
  return { role: message.role, content: message.content };
}
