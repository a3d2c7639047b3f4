// A provider by name, with its API key: a Weft secret of the key's name wins over the
// environment variable of that name (the SDKs' own variables, e.g. OPENAI_API_KEY).

import type { SecretSource } from '../secrets/secret-source.js';
import { LlmApiKeyMissingError, LlmProviderNotConfiguredError } from './llm-errors.js';
import type { ResolvedProvider } from './model-types.js';
import { apiKeyName, type LlmSettings } from './provider-config.js';

export async function resolveProvider(name: string, settings: LlmSettings, secrets: SecretSource, used?: Set<string>): Promise<ResolvedProvider> {
  const config = settings.providers[name];
  if (!config) throw new LlmProviderNotConfiguredError(name, Object.keys(settings.providers));
  const keyName = apiKeyName(name, config);
  const apiKey = (await secrets.get(keyName)) ?? settings.envKeys[keyName];
  if (apiKey) used?.add(apiKey);
  // The hosted APIs (no baseUrl) always want a key; without one the SDK would fail later with a
  // bare connection or authentication error that does not say which setting is missing.
  if (!apiKey && !config.baseUrl) throw new LlmApiKeyMissingError(name, keyName);
  // Local OpenAI-compatible servers often need no key; the SDK still wants a value.
  return { name, config, keyName, apiKey: apiKey ?? 'none' };
}
