// `agent`: a model that calls tools (saved flows, run as child runs; tools of configured MCP
// servers) until it answers. The loop runs in the workflow: every model call and every tool call
// is its own durable step (workflows/agent-task.ts).

import { z } from 'zod';
import { DEFAULT_AGENT_MAX_STEPS, flowToolName, modelToolName } from '../agent/agent-tools.js';
import type { ValidationProblem } from '../errors.js';
import { schemaError } from '../spec/response-schema.js';
import { describeTaskType } from './descriptor.js';
import { llm } from './llm.js';
import { MCP_SERVER_NAME } from './mcp.js';

const FlowTool = z.strictObject({
  flow: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}\/[a-z0-9][a-z0-9_-]{0,63}$/, 'must be "namespace/id"'),
});
const McpTools = z.strictObject({
  mcp: z.string().regex(MCP_SERVER_NAME, 'must name a server of WEFT_MCP_SERVERS (a letter, then letters, digits, _ or -)'),
  tools: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
});

export const agent = describeTaskType({
  name: 'agent',
  description: 'A model that calls tools (flows as child runs, tools of MCP servers) until it answers, each step durable; output { text, json, steps, usage }.',
  config: {
    provider: llm.config.provider,
    model: llm.config.model,
    system: llm.config.system,
    prompt: llm.config.prompt,
    messages: llm.config.messages,
    promptTemplate: llm.config.promptTemplate,
    promptArgs: llm.config.promptArgs,
    responseSchema: llm.config.responseSchema,
    temperature: llm.config.temperature,
    maxTokens: llm.config.maxTokens,
    tools: z
      .array(z.union([FlowTool, McpTools]))
      .min(1, 'must hold at least one tool')
      .max(50),
    maxSteps: z.number().int().min(1).max(100).optional().describe(`tool calls the agent may make (default ${DEFAULT_AGENT_MAX_STEPS})`),
    approve: z.array(z.string().min(1).max(200)).max(100).optional(),
    maxCostUsd: z
      .number()
      .positive()
      .max(1_000_000)
      .optional()
      .describe("USD the agent's model calls may cost before it stops instead of calling tools again (needs the model's price in WEFT_LLM_PRICES)"),
  },
  output: '{ text, json, steps: [{ tool, arguments, ok, resultPreview }], usage: { inputTokens, outputTokens } }',
  example: {
    id: 'triage',
    type: 'agent',
    provider: 'anthropic',
    model: 'claude-sonnet-4-6',
    prompt: 'Triage issue {{ inputs.issue }}',
    tools: [{ flow: 'default/label-issue' }, { mcp: 'github', tools: ['get_issue'] }],
    approve: ['label-issue'],
  },
  // Per model call; tool calls have their own (flows: none, MCP tools: the mcp type's).
  defaultTimeout: '5m',
  nonRetryable: [
    'AgentMaxStepsError',
    'AgentCostCeilingError',
    'AgentCostUnknownError',
    'AgentToolsInvalid',
    'LlmBadRequestError',
    'LlmAuthenticationError',
    'LlmProviderNotConfiguredError',
  ],
  cacheable: false,
  runsActivities: true,
  secretFields: ['provider'],
  rawFields: ['responseSchema', 'promptTemplate', 'tools', 'maxSteps', 'approve', 'maxCostUsd'],
  check: checkAgent,
});

function checkAgent(task: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (task.prompt === undefined && task.messages === undefined && task.promptTemplate === undefined) {
    problems.push({ path, message: `${path} needs prompt, messages or promptTemplate`, hint: 'e.g. prompt: "Triage issue {{ inputs.issue }}"' });
  }
  if (task.promptArgs !== undefined && task.promptTemplate === undefined) {
    problems.push({ path: `${path}.promptArgs`, message: `${path}.promptArgs needs promptTemplate`, hint: 'name a prompt file of prompts/ in promptTemplate' });
  }
  if (task.responseSchema !== undefined) {
    const problem = schemaError(task.responseSchema as Record<string, unknown>);
    if (problem) problems.push({ path: `${path}.responseSchema`, message: `${path}.responseSchema is not a valid JSON Schema: ${problem}` });
  }
  const tools = (task.tools ?? []) as { flow?: string; mcp?: string; tools?: string[] }[];
  const named = new Map<string, number>();
  tools.forEach((tool, i) => {
    for (const name of tool.flow !== undefined ? [flowToolName(tool.flow)] : (tool.tools ?? []).map(modelToolName)) {
      const first = named.get(name);
      if (first !== undefined) {
        problems.push({
          path: `${path}.tools[${i}]`,
          message: `${path}.tools[${i}] names tool "${name}" again (also at tools[${first}])`,
          hint: "the model tells tools apart by name: a flow tool is called by its flow's id",
        });
      } else named.set(name, i);
    }
  });
  // An mcp entry without a list offers every tool of its server: only the server can say which.
  const open = tools.some((t) => t.mcp !== undefined && t.tools === undefined);
  ((task.approve ?? []) as string[]).forEach((name, i) => {
    if (named.has(name) || open) return;
    problems.push({
      path: `${path}.approve[${i}]`,
      message: `${path}.approve[${i}] names "${name}", which is not one of the task's tools`,
      hint: `its tools: ${[...named.keys()].join(', ')}`,
    });
  });
  return problems;
}
