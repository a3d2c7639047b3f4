// One model call of an `agent`: the conversation so far and the tools on offer go to the
// provider's SDK in its own wire format (tool-chat-openai.ts, tool-chat-anthropic.ts); what
// comes back is the text, the tool calls asked for, and, for a final answer with a
// responseSchema, the parsed JSON or why it does not fit.

import type { AgentMessage, AgentToolCall, AgentToolSpec } from '../../core/runs/agent-io.js';
import { type ProviderSchema, schemaProblems } from '../../core/spec/response-schema.js';
import { providerSchema } from './model-call.js';
import type { ChunkListener, ResolvedProvider, TokenUsage } from './model-types.js';
import { toLlmError } from './provider-errors.js';

export interface ToolChatRequest {
  model: string;
  system?: string;
  messages: AgentMessage[];
  tools: AgentToolSpec[];
  responseSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
}

/** What a wire format answers: `answer` is set when the model gave its structured answer. */
export interface WireReply {
  text: string;
  toolCalls: AgentToolCall[];
  answer?: unknown;
  usage: TokenUsage;
  model: string;
  finishReason: string;
}

export interface ToolChatReply extends Omit<WireReply, 'answer'> {
  json: unknown;
  jsonError?: string;
}

export type WireCall = (
  provider: ResolvedProvider,
  request: ToolChatRequest,
  schema: ProviderSchema | undefined,
  signal: AbortSignal,
  onChunk: ChunkListener,
) => Promise<WireReply>;

export async function callToolChat(
  provider: ResolvedProvider,
  request: ToolChatRequest,
  signal: AbortSignal,
  onChunk: ChunkListener = () => {},
): Promise<ToolChatReply> {
  const wanted = request.responseSchema;
  const schema = providerSchema(provider, wanted);
  // Loaded on first use, as model-call.ts does: a worker that runs no agent never holds the SDKs.
  const call: WireCall =
    provider.config.kind === 'openai' ? (await import('./tool-chat-openai.js')).openAiToolChat : (await import('./tool-chat-anthropic.js')).anthropicToolChat;
  let reply: WireReply;
  try {
    reply = await call(provider, request, schema, signal, onChunk);
  } catch (error) {
    throw toLlmError(provider.name, provider.keyName, error);
  }
  const { answer, ...rest } = reply;
  if (!wanted || !schema || rest.toolCalls.length > 0) return { ...rest, json: null };
  let value = answer;
  if (value === undefined) {
    try {
      value = JSON.parse(rest.text);
    } catch (error) {
      return { ...rest, json: null, jsonError: `not JSON: ${(error as Error).message}` };
    }
  }
  const json = schema.unwrap(value);
  const problems = schemaProblems(wanted, json);
  return problems.length ? { ...rest, json: null, jsonError: problems.join('; ') } : { ...rest, json };
}

/** Arguments as the model sent them (JSON text): an object, or why they are not one. */
export function parseArguments(text: string): Pick<AgentToolCall, 'arguments' | 'rawArguments' | 'argumentsError'> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { arguments: value as Record<string, unknown> };
    return { arguments: {}, rawArguments: text, argumentsError: 'they are JSON but not an object' };
  } catch (error) {
    return { arguments: {}, rawArguments: text, argumentsError: (error as Error).message };
  }
}
