// The model call as Weft sees it, whatever the provider.

import type { ProviderConfig } from './provider-config.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ModelRequest {
  model: string;
  system?: string;
  messages: ChatMessage[];
  /** JSON Schema of the structured answer; absent: plain text. */
  responseSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One round trip to the provider. `json` is set when a schema was asked for and JSON came back. */
export interface ModelReply {
  text: string;
  json?: unknown;
  /** When the answer should have been JSON and was not parseable. */
  jsonError?: string;
  usage: TokenUsage;
  model: string;
  finishReason: string;
}

export interface ResolvedProvider {
  name: string;
  config: ProviderConfig;
  apiKey: string;
  keyName: string;
}

/** Called while tokens arrive, so a long call can heartbeat. */
export type ChunkListener = () => void;
