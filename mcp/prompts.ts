// MCP prompts from the files of `prompts/`. Prompts about a run attach the run itself (state,
// timeline, outputs, recent problems from the logs), so the model starts from facts.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type PromptTemplate, renderPrompt } from '../src/services/prompts/prompt-library.js';
import { auditedRead } from './access.js';
import { boundedOutputs, summaryTimeline } from './run-view.js';
import type { ToolContext } from './tool-registry.js';
import { checkRunAccess } from './tools/run-tools.js';

/** Warning and error lines attached to a run prompt. */
const ATTACHED_LOG_LINES = 50;
const ARGUMENT_DEFAULTS: Record<string, string> = { namespace: 'default' };

export function registerPrompts(server: McpServer, ctx: ToolContext, templates: readonly PromptTemplate[]): void {
  for (const template of templates) {
    const shape: Record<string, z.ZodString | z.ZodOptional<z.ZodString>> = {};
    for (const arg of template.arguments) {
      const field = z.string().max(10_000).describe(arg.description);
      shape[arg.name] = arg.required ? field : field.optional();
    }
    server.registerPrompt(template.name, { title: template.name, description: template.description, argsSchema: shape }, async (args) =>
      buildPrompt(template, { ...ARGUMENT_DEFAULTS, ...sessionDefaults(ctx), ...dropEmpty(args as Record<string, string | undefined>) }, ctx),
    );
  }
}

async function buildPrompt(template: PromptTemplate, args: Record<string, string | undefined>, ctx: ToolContext): Promise<GetPromptResult> {
  const messages: GetPromptResult['messages'] = [{ role: 'user', content: { type: 'text', text: renderPrompt(template, args) } }];
  const { runId } = args;
  if (runId) {
    const facts = await auditedRead(ctx.access, `prompt:${template.name}`, { runId }, () => runFacts(runId, ctx));
    messages.push({ role: 'user', content: { type: 'text', text: facts } });
  }
  return { description: template.description, messages };
}

async function runFacts(runId: string, ctx: ToolContext): Promise<string> {
  // The same namespace check as get_run: a prompt is a read path like any tool.
  const detail = (await checkRunAccess(runId, ctx)) ?? (await ctx.services.runs.get(runId));
  const logs = await ctx.services.logs.query({ runId, level: 'warn', tail: ATTACHED_LOG_LINES, maxBytes: 20_000, maxMessageBytes: 1000 });
  const facts = {
    runId: detail.runId,
    flow: detail.flow,
    revision: detail.revision,
    state: detail.state,
    inputs: detail.inputs,
    outputs: boundedOutputs(detail.outputs).outputs,
    error: detail.error,
    tasks: summaryTimeline(detail.tasks).tasks,
    approvals: detail.approvals,
    startedAt: detail.startedAt,
    endedAt: detail.endedAt,
    uiUrl: ctx.services.runs.uiUrl(runId),
  };
  const lines = logs.entries.map((e) => `${e.ts} ${e.level} ${e.taskId}: ${e.message}`);
  return `Run facts (JSON):\n${JSON.stringify(facts, null, 2)}\n\nWarning and error log lines (latest ${ATTACHED_LOG_LINES}):\n${lines.join('\n') || '(none)'}`;
}

/** A key bound to one namespace is steered to it rather than to `default`. */
function sessionDefaults(ctx: ToolContext): Record<string, string> {
  return ctx.access.namespace !== undefined ? { namespace: ctx.access.namespace } : {};
}

function dropEmpty(args: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(args).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}
