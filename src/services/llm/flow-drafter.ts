// Drafts a flow from plain language: the configured model writes YAML, Weft validates it and
// sends every problem back until the flow is valid or the rounds run out. The draft is
// returned, never saved: a person (or the assistant) reviews it and saves it.

import { ConfigError } from '../../core/errors.js';
import { type LocatedProblem, parseFlow } from '../../core/spec/parse-flow.js';
import { taskTypeSummaries } from '../../core/spec/task-catalog.js';
import type { SecretSource } from '../secrets/secret-source.js';
import { callModel } from './model-call.js';
import type { ChatMessage, ResolvedProvider, TokenUsage } from './model-types.js';
import type { LlmSettings } from './provider-config.js';
import { resolveProvider } from './resolve-provider.js';

/** Most model rounds a draft may take (the first answer plus repairs). */
export const MAX_DRAFT_ROUNDS = 4;
const MAX_GOAL_CHARS = 4000;

export interface FlowDraft {
  valid: boolean;
  flow: string;
  errors: LocatedProblem[];
  rounds: number;
  usage: TokenUsage;
}

export function draftInstructions(): string {
  const types = taskTypeSummaries()
    .filter((t) => t.available)
    .map((t) => `- ${t.type}: ${t.description} Fields: ${t.fields.join(', ')}.`)
    .join('\n');
  return [
    'You write Weft flows: YAML documents run by a workflow engine. Answer with the YAML only, no prose, no code fences.',
    'A flow has: id (lowercase letters, digits, - and _), optional namespace, description, inputs (list of { id, type, default? }),',
    'tasks (a list; each task has a unique id made of letters, digits and _, and a type), optional outputs (a map).',
    'Values are passed with CEL expressions in double braces: "{{ inputs.url }}", "{{ outputs.fetch.body.items }}", "{{ item }}" inside foreach.',
    'Secrets are referenced as "{{ secret(\'NAME\') }}", only in http url/headers/query/body and script env. Never write secret values.',
    'Common task fields: description, when, retry { maxAttempts, initialInterval }, timeout (e.g. 30s), allowFailure.',
    'Task types:',
    types,
    'Example:',
    'id: fetch-and-log\ndescription: Fetch a URL and log its status\ninputs:\n  - { id: url, type: string }\ntasks:\n  - id: fetch\n    type: http\n    url: "{{ inputs.url }}"\n    retry: { maxAttempts: 3 }\n  - id: note\n    type: log\n    message: "status {{ outputs.fetch.status }}"\noutputs:\n  status: "{{ outputs.fetch.status }}"',
  ].join('\n');
}

/** Takes the YAML out of an answer that wrapped it in a code fence anyway. */
export function extractYaml(answer: string): string {
  const fenced = /```(?:ya?ml|json)?\s*\n([\s\S]*?)```/.exec(answer);
  return (fenced?.[1] ?? answer).trim();
}

export async function draftFlow(goal: string, provider: ResolvedProvider, model: string, signal: AbortSignal, rounds = MAX_DRAFT_ROUNDS): Promise<FlowDraft> {
  const messages: ChatMessage[] = [{ role: 'user', content: `Write a flow for this goal:\n${goal.slice(0, MAX_GOAL_CHARS)}` }];
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  let last: FlowDraft | undefined;
  for (let round = 1; round <= Math.min(rounds, MAX_DRAFT_ROUNDS); round++) {
    const reply = await callModel(provider, { model, system: draftInstructions(), messages, temperature: 0 }, signal);
    usage.inputTokens += reply.usage.inputTokens;
    usage.outputTokens += reply.usage.outputTokens;
    const flow = extractYaml(reply.text);
    const parsed = parseFlow(flow);
    last = { valid: parsed.valid, flow, errors: parsed.valid ? [] : parsed.problems, rounds: round, usage: { ...usage } };
    if (parsed.valid) return last;
    const problems = last.errors
      .slice(0, 20)
      .map((p) => `- ${p.path || '(root)'}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`)
      .join('\n');
    messages.push(
      { role: 'assistant', content: reply.text },
      { role: 'user', content: `The flow is invalid:\n${problems}\nAnswer with the corrected YAML only.` },
    );
  }
  return last as FlowDraft;
}

/** `provider/model` from a value, else the configured default (WEFT_DRAFT_MODEL). */
export function draftModel(value: string | undefined, configured: string | undefined): { provider: string; model: string } {
  const text = value ?? configured;
  const at = text?.indexOf('/') ?? -1;
  if (!text || at <= 0 || at === text.length - 1) {
    throw new ConfigError('no model to draft with', 'pass a model as provider/model (e.g. anthropic/claude-sonnet-4-6) or set WEFT_DRAFT_MODEL');
  }
  return { provider: text.slice(0, at), model: text.slice(at + 1) };
}

/** Drafts a flow for a goal with a model (`provider/model`, else the configured default). */
export type FlowDrafter = (goal: string, model: string | undefined, signal: AbortSignal, rounds?: number) => Promise<FlowDraft>;

/** A drafter bound to a secret source (for API keys), the provider settings and the default model. */
export function createDrafter(secrets: SecretSource, settings: LlmSettings, defaultModel?: string): FlowDrafter {
  return async (goal, model, signal, rounds = MAX_DRAFT_ROUNDS) => {
    const chosen = draftModel(model, defaultModel);
    const provider = await resolveProvider(chosen.provider, settings, secrets);
    return draftFlow(goal, provider, chosen.model, signal, rounds);
  };
}
