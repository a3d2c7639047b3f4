// One tool call of an `agent`: a flow tool is a child run (the subflow path), an MCP tool one
// `callMcpTool` activity. Whatever goes wrong with the call itself (an unknown tool, arguments
// that do not fit, a refused approval, a tool error, a failed child run) becomes an error
// result for the model, never a task failure; cancelling the run still cancels the task.

import { ActivityFailure, ChildWorkflowFailure, executeChild, isCancellation, TemporalFailure } from '@temporalio/workflow';
import type { McpOutput } from '../src/core/runs/activity-io.js';
import type { AgentToolCall } from '../src/core/runs/agent-io.js';
import { resolveInputs } from '../src/core/runs/run-inputs.js';
import type { FlowRunResult, TaskRunRecord } from '../src/core/runs/run-types.js';
import { approveToolCall } from './agent-approval.js';
import type { AgentTool } from './agent-toolbox.js';
import { childRunInput, childRunOptions, MAX_SUBFLOW_DEPTH } from './child-run.js';
import type { RunContext } from './run-context.js';

/** What the model is given back for one call. */
export interface ToolResult {
  ok: boolean;
  content: string;
}

/** Where a call happens: the task, its attempt, and the call's step number (from 1). */
export interface ToolCallPlace {
  taskId: string;
  iteration: number[] | undefined;
  key: string;
  attempt: number;
  step: number;
  record: TaskRunRecord;
  /** Tool names that wait for a person's approval first. */
  approve: ReadonlySet<string>;
  /** Per-call limit of an MCP tool, in ms. */
  mcpTimeoutMs: number;
}

/**
 * Most characters of a result the model is given. The conversation travels in every later model
 * call's input (in history), so one large result would be carried, and paid for, again and again.
 */
export const MAX_RESULT_CHARS = 32_000;

/** Extra time Temporal allows past the MCP call's own timeout. */
const TIMEOUT_SLACK_MS = 30_000;

export async function callAgentTool(ctx: RunContext, tools: ReadonlyMap<string, AgentTool>, call: AgentToolCall, at: ToolCallPlace): Promise<ToolResult> {
  const tool = tools.get(call.name);
  if (!tool) return failed(`there is no tool "${call.name}"; the tools are: ${[...tools.keys()].join(', ')}`);
  if (call.argumentsError) return failed(`the arguments of ${call.name} are not a JSON object: ${call.argumentsError}`);
  if (at.approve.has(call.name)) {
    const entry = at.record.steps?.find((s) => s.step === at.step);
    if (entry) entry.state = 'WAITING';
    const answer = await approveToolCall(ctx, at.taskId, at.iteration, at.step, call, at.record);
    if (entry) entry.state = 'RUNNING';
    if (!answer.approved) return failed(`a person refused this call of ${call.name} (${answer.by}${answer.comment ? `: ${answer.comment}` : ''})`);
  }
  try {
    const result = tool.kind === 'flow' ? await runFlowTool(ctx, tool, call, at) : await runMcpTool(ctx, tool, call, at);
    return { ...result, content: bounded(result.content) };
  } catch (error) {
    // Only the call's own failure goes back to the model: a cancelled run or a bug stays ours.
    if (isCancellation(error) || !(error instanceof ActivityFailure || error instanceof ChildWorkflowFailure)) throw error;
    return failed(failureText(error));
  }
}

async function runFlowTool(ctx: RunContext, tool: Extract<AgentTool, { kind: 'flow' }>, call: AgentToolCall, at: ToolCallPlace): Promise<ToolResult> {
  if (ctx.depth + 1 > MAX_SUBFLOW_DEPTH) return failed(`flow ${tool.ref} would nest ${ctx.depth + 1} deep; the limit is ${MAX_SUBFLOW_DEPTH}`);
  const inputs = resolveInputs(tool.resolved.flow, call.arguments);
  if (!inputs.valid) return failed(`the arguments of ${call.name} do not fit: ${inputs.problems.map((p) => p.message).join('; ')}`);
  const input = childRunInput(ctx, tool.resolved, inputs.inputs, 'agent');
  if (tool.resolved.downstream) input.downstream = true;
  // Attempt and step make the id unique within the run, and the same on replay.
  const options = childRunOptions(tool.resolved, input, `${at.key}#${at.attempt}.${at.step}`, `agent ${at.key} step ${at.step}: ${tool.ref}`);
  // The child may wait for hours (approvals): show what happened so far before waiting on it.
  ctx.events.writeNow();
  const result = (await executeChild('flowRun', options)) as FlowRunResult;
  return { ok: true, content: JSON.stringify({ runId: options.workflowId, outputs: result.outputs }) };
}

async function runMcpTool(ctx: RunContext, tool: Extract<AgentTool, { kind: 'mcp' }>, call: AgentToolCall, at: ToolCallPlace): Promise<ToolResult> {
  const key = `${at.key}.step${at.step}`;
  const acts = ctx.activities(key, at.attempt, `${at.key} step ${at.step}: ${tool.server} ${tool.tool}`, at.mcpTimeoutMs + TIMEOUT_SLACK_MS, at.taskId);
  const output = (await acts.callMcpTool({
    context: ctx.taskContext(at.taskId, at.iteration, at.attempt),
    server: tool.server,
    tool: tool.tool,
    arguments: call.arguments,
    timeoutMs: at.mcpTimeoutMs,
  })) as McpOutput;
  const content = output.content || (output.structured !== null ? JSON.stringify(output.structured) : '');
  return { ok: true, content };
}

function failed(message: string): ToolResult {
  return { ok: false, content: bounded(message) };
}

function bounded(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n[cut: ${text.length - MAX_RESULT_CHARS} more characters]`;
}

/** The typed error of a failed activity or child run, as the model reads it. */
function failureText(error: ActivityFailure | ChildWorkflowFailure): string {
  const cause = error.cause;
  if (!(cause instanceof TemporalFailure)) return error.message;
  const type = (cause as { type?: string }).type;
  return `${type ? `${type}: ` : ''}${cause.message}`;
}
