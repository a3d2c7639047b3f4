// Which model providers a worker can call and how: the built-in `openai` and `anthropic`
// (their SDKs' standard environment variables as defaults), plus OpenAI-compatible endpoints
// (Ollama, vLLM, LM Studio) named in WEFT_LLM_PROVIDERS. API keys are looked up by name in
// Weft's secrets first, then in the environment; never in flow text.

import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

export const ProviderConfig = z.strictObject({
  kind: z.enum(['openai', 'anthropic']).describe('Wire protocol: OpenAI Chat Completions or Anthropic Messages'),
  baseUrl: z.string().url().optional(),
  /** Name of the secret (or environment variable) holding the API key. */
  apiKeyName: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /** Most calls to this provider at once across the worker. */
  concurrency: z.number().int().min(1).max(1000).default(8),
  /** Per-call timeout in ms (the task's timeout bounds the whole attempt). */
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(600_000),
  /** Stream responses (keeps long calls observable); some local servers want false. */
  stream: z.boolean().default(true),
  /** Default maxTokens where the provider requires one (Anthropic). */
  defaultMaxTokens: z.number().int().min(1).default(4096),
});
export type ProviderConfig = z.infer<typeof ProviderConfig>;

/** USD per million tokens, by model name. */
export const PriceTable = z.record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) }));
export type PriceTable = z.infer<typeof PriceTable>;

export interface LlmSettings {
  providers: Record<string, ProviderConfig>;
  prices: PriceTable;
  /** The providers' API keys found in the environment, by key name (a Weft secret of that name wins). */
  envKeys: Record<string, string>;
}

/** The name of the secret (or variable) holding a provider's API key. */
export function apiKeyName(name: string, config: ProviderConfig): string {
  return config.apiKeyName ?? `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/** Reads provider settings from an environment (WEFT_LLM_PROVIDERS, WEFT_LLM_PRICES, the SDKs' variables); loadConfig calls it. */
export function loadLlmSettings(env: NodeJS.ProcessEnv): LlmSettings {
  const providers: Record<string, ProviderConfig> = {
    openai: ProviderConfig.parse({ kind: 'openai', apiKeyName: 'OPENAI_API_KEY', ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}) }),
    anthropic: ProviderConfig.parse({
      kind: 'anthropic',
      apiKeyName: 'ANTHROPIC_API_KEY',
      ...(env.ANTHROPIC_BASE_URL ? { baseUrl: env.ANTHROPIC_BASE_URL } : {}),
    }),
  };
  const extra = parseJsonSetting(env.WEFT_LLM_PROVIDERS, 'WEFT_LLM_PROVIDERS', z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), z.unknown()));
  for (const [name, raw] of Object.entries(extra ?? {})) {
    const base = providers[name] ?? {};
    const parsed = ProviderConfig.safeParse({ ...base, ...(raw as object) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(
        `WEFT_LLM_PROVIDERS.${name}.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
        'each provider is { "kind": "openai" | "anthropic", "baseUrl": "...", "apiKeyName": "NAME", "concurrency": 8 }',
      );
    }
    providers[name] = parsed.data;
  }
  const prices = parseJsonSetting(env.WEFT_LLM_PRICES, 'WEFT_LLM_PRICES', PriceTable) ?? {};
  const envKeys: Record<string, string> = {};
  for (const [name, config] of Object.entries(providers)) {
    const key = apiKeyName(name, config);
    const value = env[key];
    if (value) envKeys[key] = value;
  }
  return { providers, prices, envKeys };
}

function parseJsonSetting<T>(text: string | undefined, name: string, schema: z.ZodType<T>): T | undefined {
  if (!text?.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${name} is not valid JSON`, `e.g. ${name}='{"ollama": {"kind": "openai", "baseUrl": "http://127.0.0.1:11434/v1"}}'`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${name}.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`, `see the LLM section of docs/flows.md`);
  }
  return parsed.data;
}

/** Estimated cost in USD of a call, when the price table knows the model. */
export function costOf(prices: PriceTable, model: string, usage: { inputTokens: number; outputTokens: number }): number | undefined {
  const price = prices[model];
  if (!price) return undefined;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
