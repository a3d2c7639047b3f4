// The model call of one `agent` step: the conversation and tools go to the provider through its
// SDK under the provider's concurrency limit, heartbeating while tokens arrive. As for `llm`,
// provider errors become typed task errors, and one line per call in the run's logs says what
// it cost.

import type { AgentModelInput, AgentModelOutput } from '../src/core/runs/agent-io.js';
import { costOf } from '../src/services/llm/provider-config.js';
import { resolveProvider } from '../src/services/llm/resolve-provider.js';
import { callToolChat } from '../src/services/llm/tool-chat.js';
import type { LogSink } from '../src/services/logs/log-sink.js';
import type { SecretSource } from '../src/services/secrets/secret-source.js';
import { tracedModelCall } from '../src/services/telemetry/client-spans.js';
import { recordModelUsage } from '../src/services/telemetry/weft-metrics.js';
import { heartbeatingProviderCall, type LlmRuntime, llmTaskFailure, templateMessage } from './llm-call.js';

export async function callAgentModel(
  input: AgentModelInput,
  runtime: LlmRuntime,
  secrets: SecretSource,
  used: Set<string>,
  logs?: LogSink,
): Promise<AgentModelOutput> {
  try {
    const provider = await resolveProvider(input.provider, runtime.settings, secrets, used);
    const messages = [...input.messages];
    // The template is rendered on each call (the conversation in history keeps its name, not its text).
    if (input.promptTemplate) messages.splice(input.templateAt ?? 0, 0, await templateMessage(input.promptTemplate, input.promptArgs, runtime));
    const request = {
      model: input.model,
      messages,
      tools: input.tools,
      ...(input.system ? { system: input.system } : {}),
      ...(input.responseSchema ? { responseSchema: input.responseSchema } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
    };
    const reply = await tracedModelCall(input.provider, input.model, () =>
      heartbeatingProviderCall(runtime, provider, (signal, onChunk) => callToolChat(provider, request, signal, onChunk)),
    );
    const cost = costOf(runtime.settings.prices, reply.model, reply.usage);
    recordModelUsage(input.provider, reply.model, { ...reply.usage, costUsd: cost });
    const output: AgentModelOutput = { ...reply, usage: { ...reply.usage, ...(cost !== undefined ? { costUsd: cost } : {}) } };
    await logCall(logs, input, output);
    return output;
  } catch (error) {
    throw llmTaskFailure(error);
  }
}

/** One line per model call; its id (attempt and call number) makes a rewrite a no-op. */
async function logCall(logs: LogSink | undefined, input: AgentModelInput, output: AgentModelOutput): Promise<void> {
  if (!logs) return;
  const { context } = input;
  const key = `${context.taskId}${context.iteration ? `[${context.iteration.join(',')}]` : ''}`;
  const asked = output.toolCalls.length ? `asked for ${output.toolCalls.map((c) => c.name).join(', ')}` : 'answered';
  const cost = output.usage.costUsd !== undefined ? `, about $${output.usage.costUsd.toFixed(4)}` : '';
  await logs.write([
    {
      id: `${context.runId}|${key}#${context.attempt}|agent|model${input.call}`,
      runId: context.runId,
      flow: context.flow ?? '',
      taskId: context.taskId,
      ...(context.iteration ? { iteration: context.iteration } : {}),
      attempt: context.attempt,
      level: 'info',
      message: `${input.provider}/${output.model} call ${input.call}: ${asked}; ${output.usage.inputTokens} input + ${output.usage.outputTokens} output tokens${cost}`,
      time: new Date().toISOString(),
    },
  ]);
}
