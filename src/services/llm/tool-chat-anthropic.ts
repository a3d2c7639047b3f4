// An agent's model call in the Anthropic Messages wire format, through the official SDK: tools
// with `input_schema`, the model's calls as `tool_use` blocks, results as `tool_result` blocks
// (with `is_error`) in the next user turn. A structured final answer is a call of the `respond`
// tool, offered beside the others, with a tool call required on every turn.

import type Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { AgentMessage } from '../../core/runs/agent-io.js';
import type { ProviderSchema } from '../../core/spec/response-schema.js';
import { sendMessage } from './anthropic-messages.js';
import type { ChunkListener, ResolvedProvider } from './model-types.js';
import { anthropicClient } from './provider-client.js';
import type { ToolChatRequest, WireReply } from './tool-chat.js';

/** The tool whose call is the structured answer (as in anthropic-messages.ts). */
const RESPOND_TOOL = 'respond';

export async function anthropicToolChat(
  provider: ResolvedProvider,
  request: ToolChatRequest,
  schema: ProviderSchema | undefined,
  signal: AbortSignal,
  onChunk: ChunkListener,
): Promise<WireReply> {
  const client = await anthropicClient(provider);
  const system = [request.system, ...request.messages.flatMap((m) => (m.role === 'system' ? [m.content] : []))].filter(Boolean).join('\n\n');
  const tools: Anthropic.Tool[] = request.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.parameters as Anthropic.Tool.InputSchema,
  }));
  if (schema) {
    tools.push({ name: RESPOND_TOOL, description: 'Give your final answer in this exact shape.', input_schema: schema.schema as Anthropic.Tool.InputSchema });
  }
  const params: MessageCreateParamsNonStreaming = {
    model: request.model,
    max_tokens: request.maxTokens ?? provider.config.defaultMaxTokens,
    messages: toWire(request.messages),
    tools,
    ...(schema ? { tool_choice: { type: 'any' as const } } : {}),
    ...(system ? { system } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
  };
  const { message, text } = await sendMessage(client, provider, params, signal, onChunk);
  const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  const respond = schema ? uses.find((b) => b.name === RESPOND_TOOL) : undefined;
  const calls = uses.filter((b) => b !== respond);
  return {
    text: text || (respond && calls.length === 0 ? JSON.stringify(respond.input) : text),
    toolCalls: calls.map((b) => ({ id: b.id, name: b.name, ...argumentsOf(b.input) })),
    // A respond call beside other calls is premature: the other calls run first.
    ...(respond && calls.length === 0 ? { answer: respond.input } : {}),
    usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
    model: message.model || request.model,
    finishReason: message.stop_reason ?? '',
  };
}

function argumentsOf(input: unknown): { arguments: Record<string, unknown>; argumentsError?: string } {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) return { arguments: input as Record<string, unknown> };
  return { arguments: {}, argumentsError: 'they are not an object' };
}

/** Weft's conversation as Messages turns: tool results that follow one another share one user turn. */
function toWire(messages: AgentMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    if (message.role === 'tool') {
      const block: ToolResultBlockParam = {
        type: 'tool_result',
        tool_use_id: message.callId,
        content: message.content,
        ...(message.isError ? { is_error: true } : {}),
      };
      const last = out.at(-1);
      if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(block);
      else out.push({ role: 'user', content: [block] });
      continue;
    }
    if (message.role === 'assistant' && 'toolCalls' in message) {
      out.push({
        role: 'assistant',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...message.toolCalls.map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, input: c.arguments })),
        ],
      });
      continue;
    }
    out.push({ role: message.role, content: message.content });
  }
  return out;
}
