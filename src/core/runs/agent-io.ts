// Payloads of an `agent` task's activities and its output. They enter history (the conversation
// travels in each model call's input): fields are only ever added, optionally.

import type { LlmMessage, LlmUsage, TaskContext } from './activity-io.js';

/** One tool the model may call, as both providers' tool definitions take it. */
export interface AgentToolSpec {
  /** What the model calls it: a flow tool by its flow's id, an MCP tool by its own name. */
  name: string;
  description: string;
  /** JSON Schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
}

/** A tool call the model asked for. */
export interface AgentToolCall {
  /** The provider's id of the call, which the result must name. */
  id: string;
  name: string;
  /** The parsed arguments; when they were not JSON, `{}` and `argumentsError` says why. */
  arguments: Record<string, unknown>;
  /** The arguments' text when it could not be parsed as a JSON object (sent back as it came). */
  rawArguments?: string;
  argumentsError?: string;
}

/** The conversation as Weft keeps it, whatever the provider. */
export type AgentMessage =
  | LlmMessage
  | { role: 'assistant'; content: string; toolCalls: AgentToolCall[] }
  | { role: 'tool'; callId: string; name: string; content: string; isError?: boolean };

export interface AgentModelInput {
  context: TaskContext;
  provider: string;
  model: string;
  system?: string;
  messages: AgentMessage[];
  tools: AgentToolSpec[];
  /** A prompt file of `prompts/` the activity renders with `promptArgs` and inserts at `templateAt` of `messages`. */
  promptTemplate?: string;
  promptArgs?: Record<string, unknown>;
  templateAt?: number;
  responseSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
  /** 1 for the first model call of the attempt: names the call's usage line in the run's logs. */
  call: number;
}

export interface AgentModelOutput {
  text: string;
  /** Empty: the model answered. */
  toolCalls: AgentToolCall[];
  /** With a responseSchema: the parsed answer, or null when it is not JSON (`jsonError` says why). */
  json: unknown;
  jsonError?: string;
  usage: LlmUsage;
  model: string;
  finishReason: string;
}

/** The tools of the configured MCP servers an agent may call. */
export interface AgentMcpToolsInput {
  context: TaskContext;
  servers: { server: string; tools?: string[] }[];
}

export interface AgentMcpToolsOutput {
  tools: (AgentToolSpec & { server: string; tool: string })[];
}

/** One tool call in an agent's output. */
export interface AgentStep {
  tool: string;
  arguments: Record<string, unknown>;
  ok: boolean;
  /** The start of the result (or of the error) the model was given. */
  resultPreview: string;
}

/** Output of an `agent` task. */
export interface AgentOutput {
  text: string;
  json: unknown;
  steps: AgentStep[];
  usage: LlmUsage;
}
