// The one place an SDK client for a model provider is built, from its resolved settings: base
// URL, API key, per-call timeout, and the SDK's own retries off (the engine owns retries). The
// SDKs load on first use, so a process that never calls a model never holds them.

import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ResolvedProvider } from './model-types.js';

/** What both SDKs take to reach a provider. */
export interface ProviderClientOptions {
  apiKey: string;
  /** Always 0: a failed call is retried by the task's retry policy, which records every attempt. */
  maxRetries: 0;
  /** Per-call timeout in ms. */
  timeout: number;
  baseURL?: string;
}

export function providerClientOptions(provider: ResolvedProvider): ProviderClientOptions {
  return {
    apiKey: provider.apiKey,
    maxRetries: 0,
    timeout: provider.config.timeoutMs,
    ...(provider.config.baseUrl ? { baseURL: provider.config.baseUrl } : {}),
  };
}

/** An OpenAI (or OpenAI-compatible) client for a provider of kind `openai`. */
export async function openAiClient(provider: ResolvedProvider): Promise<OpenAI> {
  const { default: OpenAIClient } = await import('openai');
  return new OpenAIClient(providerClientOptions(provider));
}

/** An Anthropic client for a provider of kind `anthropic`. */
export async function anthropicClient(provider: ResolvedProvider): Promise<Anthropic> {
  const { default: AnthropicClient } = await import('@anthropic-ai/sdk');
  return new AnthropicClient(providerClientOptions(provider));
}
