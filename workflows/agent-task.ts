// The `agent` task: the model-and-tools loop, in workflow code. Every model call is its own
// `callAgentModel` activity, every MCP tool call its own activity and every flow tool a child
// run, so each completed step is in history and a worker that dies resumes after the last one
// (replay hands back what completed; nothing is called twice). Usage adds up over all calls.
// The output, assembled here, is recorded in history by one last activity, so a restart can
// reuse a completed agent task without calling the model again.

import { patched } from '@temporalio/workflow';
import { DEFAULT_AGENT_MAX_STEPS } from '../src/core/agent/agent-tools.js';
import { AgentCostCeilingError, AgentCostUnknownError, AgentMaxStepsError } from '../src/core/errors.js';
import { renderText, renderValue } from '../src/core/expressions/evaluate.js';
import type { LlmMessage, LlmUsage } from '../src/core/runs/activity-io.js';
import type { AgentMessage, AgentModelInput, AgentOutput, AgentStep, AgentToolCall } from '../src/core/runs/agent-io.js';
import { agentConfigDigest } from '../src/core/runs/restart-digest.js';
import { type AgentStepRecord, type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { AgentTask } from '../src/core/spec/flow-spec.js';
import { defaultsOf } from '../src/core/task-types/run-defaults.js';
import { callAgentTool, type ToolCallPlace } from './agent-tool-call.js';
import { type AgentTool, resolveToolbox } from './agent-toolbox.js';
import type { Frame } from './frame.js';
import { addUsage, failureDetails } from './llm-task.js';
import type { RunContext } from './run-context.js';
import { TaskFailure } from './task-failure.js';

/** Times the model may answer again after an answer that does not fit `responseSchema`. */
const REPAIR_ROUNDS = 1;
/** Characters of a tool's result kept in the step list. */
const PREVIEW_CHARS = 500;
/** Patch id of the recorded output (workflows/README.md, Versioning policy). */
const AGENT_OUTPUT_RECORDED = 'agent-output-recorded';
/** The recording activity does nothing but be recorded. */
const RECORD_MS = 30_000;
/** Extra time Temporal allows past a model call's own timeout. */
const TIMEOUT_SLACK_MS = 30_000;

export async function runAgent(ctx: RunContext, task: AgentTask, frame: Frame, record: TaskRunRecord, attempt: number): Promise<AgentOutput> {
  const key = taskRunKey(task.id, frame.iteration);
  const request = firstRequest(ctx, task, frame, attempt);
  const digest = agentConfigDigest(request, task);
  // A restart reuses the output of a run that completed this task with the same configuration.
  const reused = attempt === 1 ? ctx.restart?.match(key, () => digest) : undefined;
  if (reused) return reused.output as AgentOutput;
  const tools = await resolveToolbox(ctx, task, frame.iteration, key, attempt);
  request.tools = [...tools.values()].map((t) => t.spec);
  const callMs = parseDuration(defaultsOf(ctx.taskDefaults, 'agent').defaultTimeout ?? '5m') ?? 300_000;
  const maxSteps = task.maxSteps ?? DEFAULT_AGENT_MAX_STEPS;
  const place: Omit<ToolCallPlace, 'step'> = {
    taskId: task.id,
    iteration: frame.iteration,
    key,
    attempt,
    record,
    approve: new Set(task.approve ?? []),
    mcpTimeoutMs: parseDuration(defaultsOf(ctx.taskDefaults, 'mcp').defaultTimeout ?? '60s') ?? 60_000,
  };
  const steps: AgentStep[] = [];
  const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
  let repairs = 0;
  for (let call = 1; ; call++) {
    const acts = ctx.activities(
      `${key}.model${call}`,
      attempt,
      `${key}: ${request.provider} ${request.model} (call ${call})`,
      callMs + TIMEOUT_SLACK_MS,
      task.id,
    );
    const reply = await acts.callAgentModel({ ...request, call }).catch((error: unknown) => {
      // A failed call may have spent tokens (a repair round): they still count.
      const spent = failureDetails(error)?.usage;
      if (spent) addUsage(record, spent);
      throw error;
    });
    addUsage(record, reply.usage);
    add(usage, reply.usage);
    if (task.maxCostUsd !== undefined && reply.usage.costUsd === undefined) throw new AgentCostUnknownError(key, reply.model ?? request.model);
    if (reply.toolCalls.length === 0) {
      if (reply.jsonError === undefined) return recorded(ctx, key, attempt, digest, { text: reply.text, json: reply.json ?? null, steps, usage });
      if (repairs++ >= REPAIR_ROUNDS) {
        throw new TaskFailure(task.id, frame.iteration, {
          type: 'LlmInvalidOutputError',
          message: `agent ${key}: the answer does not match responseSchema: ${reply.jsonError}`,
        });
      }
      request.messages.push(
        { role: 'assistant', content: reply.text },
        { role: 'user', content: `Your answer does not match the required JSON Schema (${reply.jsonError}). Answer again with corrected JSON only.` },
      );
      continue;
    }
    // The answer is kept even past the ceiling (that money is spent); more tool calls are not.
    if (task.maxCostUsd !== undefined && (usage.costUsd ?? 0) >= task.maxCostUsd)
      throw new AgentCostCeilingError(key, task.maxCostUsd, usage.costUsd ?? 0, call);
    if (steps.length + reply.toolCalls.length > maxSteps)
      throw new AgentMaxStepsError(
        key,
        maxSteps,
        reply.toolCalls.map((c) => c.name),
      );
    request.messages.push({ role: 'assistant', content: reply.text, toolCalls: reply.toolCalls });
    for (const toolCall of reply.toolCalls) await runStep(ctx, tools, toolCall, place, steps, request.messages);
  }
}

/**
 * The completed output, recorded in history first (RecordedTaskOutput). Runs started before the
 * record existed replay without it: the patch marker is only in histories that have it.
 */
async function recorded(ctx: RunContext, key: string, attempt: number, digest: string, output: AgentOutput): Promise<AgentOutput> {
  if (patched(AGENT_OUTPUT_RECORDED)) await ctx.activities(key, attempt, `${key}: output recorded`, RECORD_MS).recordTaskOutput({ digest, output });
  return output;
}

/** One tool call, in order: a step of the output, and a result in the model's next request. */
async function runStep(
  ctx: RunContext,
  tools: ReadonlyMap<string, AgentTool>,
  toolCall: AgentToolCall,
  place: Omit<ToolCallPlace, 'step'>,
  steps: AgentStep[],
  messages: AgentMessage[],
): Promise<void> {
  const step: AgentStepRecord = { step: steps.length + 1, tool: toolCall.name, state: 'RUNNING', startedAt: new Date().toISOString() };
  place.record.steps ??= [];
  place.record.steps.push(step);
  const result = await callAgentTool(ctx, tools, toolCall, { ...place, step: step.step });
  step.state = result.ok ? 'COMPLETED' : 'FAILED';
  step.endedAt = new Date().toISOString();
  steps.push({ tool: toolCall.name, arguments: toolCall.arguments, ok: result.ok, resultPreview: result.content.slice(0, PREVIEW_CHARS) });
  messages.push({ role: 'tool', callId: toolCall.id, name: toolCall.name, content: result.content, ...(result.ok ? {} : { isError: true }) });
}

/** The rendered model request before any tool is known: provider, model, system and the opening messages. */
function firstRequest(ctx: RunContext, task: AgentTask, frame: Frame, attempt: number): Omit<AgentModelInput, 'call'> {
  const scope = frame.scope();
  const at = (field: string) => `${task.id}.${field}`;
  const messages: AgentMessage[] = task.messages ? [...(renderValue(task.messages, scope, at('messages')) as LlmMessage[])] : [];
  // A prompt template comes after the messages and before the prompt, as in an `llm` task.
  const template =
    task.promptTemplate !== undefined
      ? {
          promptTemplate: task.promptTemplate,
          templateAt: messages.length,
          ...(task.promptArgs !== undefined ? { promptArgs: renderValue(task.promptArgs, scope, at('promptArgs')) as Record<string, unknown> } : {}),
        }
      : {};
  if (task.prompt !== undefined) messages.push({ role: 'user', content: renderText(task.prompt, scope, at('prompt')) });
  return {
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    provider: renderText(task.provider, ctx.secretScope(frame), at('provider')),
    model: renderText(task.model, scope, at('model')),
    ...(task.system !== undefined ? { system: renderText(task.system, scope, at('system')) } : {}),
    messages,
    tools: [],
    ...template,
    ...(task.responseSchema !== undefined ? { responseSchema: task.responseSchema } : {}),
    ...(task.temperature !== undefined ? { temperature: task.temperature } : {}),
    ...(task.maxTokens !== undefined ? { maxTokens: task.maxTokens } : {}),
  };
}

function add(sum: LlmUsage, usage: LlmUsage): void {
  sum.inputTokens += usage.inputTokens;
  sum.outputTokens += usage.outputTokens;
  if (usage.costUsd !== undefined) sum.costUsd = (sum.costUsd ?? 0) + usage.costUsd;
}
