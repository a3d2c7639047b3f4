// What validation knows only with the configured MCP servers at hand: an `mcp` task's server is
// configured in this process, and, when the server answers, its tool exists and the arguments
// fit the tool's inputSchema; an `agent` task's servers likewise, with the tools it lists and the
// names its `approve` gives. A server that does not answer is a warning (the run checks again).

import { flowToolName, modelToolName } from '../../core/agent/agent-tools.js';
import type { ValidationProblem } from '../../core/errors.js';
import type { AgentTask, FlowSpec, McpTask } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import { argumentProblems } from './argument-check.js';
import type { McpServerCatalog, McpTool } from './client-pool.js';
import { SAME_CONFIG_HINT } from './mcp-errors.js';

/** How long validation waits for a server's tool list. */
const VALIDATION_TIMEOUT_MS = 5000;

export interface McpFlowProblems {
  errors: ValidationProblem[];
  warnings: ValidationProblem[];
}

export async function checkMcpTasks(flow: FlowSpec, catalog: McpServerCatalog | undefined): Promise<McpFlowProblems> {
  const errors: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  const all = [...flowTasks(flow)];
  const tasks = all.filter((t): t is { task: McpTask; path: string } => t.task.type === 'mcp');
  const agents = all.filter((t): t is { task: AgentTask; path: string } => t.task.type === 'agent' && t.task.tools.some((tool) => 'mcp' in tool));
  if (tasks.length === 0 && agents.length === 0) return { errors, warnings };
  const names = catalog?.names() ?? [];
  const lists = new Map<string, Promise<McpTool[] | Error>>();
  /** The server's tools; undefined (the problem recorded) when it is not configured or does not answer. */
  const toolsOf = async (server: string, path: string): Promise<McpTool[] | undefined> => {
    if (!names.includes(server)) {
      errors.push({
        path,
        message: `MCP server "${server}" is not configured in this process${names.length ? ` (configured: ${names.join(', ')})` : ' (WEFT_MCP_SERVERS is unset here)'}`,
        hint: SAME_CONFIG_HINT,
      });
      return undefined;
    }
    if (!lists.has(server)) {
      lists.set(
        server,
        (catalog as McpServerCatalog).tools(server, { timeoutMs: VALIDATION_TIMEOUT_MS }).catch((error: unknown) => error as Error),
      );
    }
    const tools = await lists.get(server);
    if (tools instanceof Error || tools === undefined) {
      warnings.push({
        path,
        message: `MCP server "${server}" could not be reached to check its tools (${tools?.message ?? 'no answer'}); they are checked when the task runs`,
      });
      return undefined;
    }
    return tools;
  };
  for (const { task, path } of agents) await checkAgentTools(task, path, toolsOf, errors);
  for (const { task, path } of tasks) {
    const tools = await toolsOf(task.server, `${path}.server`);
    if (!tools) continue;
    const tool = tools.find((t) => t.name === task.tool);
    if (!tool) {
      const known = tools.map((t) => t.name);
      errors.push({
        path: `${path}.tool`,
        message: `MCP server "${task.server}" has no tool "${task.tool}"`,
        hint: `its tools: ${known.slice(0, 30).join(', ')}${known.length > 30 ? ', ...' : ''}`,
      });
      continue;
    }
    errors.push(...argumentProblems(tool.inputSchema, task.arguments ?? {}, `${path}.arguments`));
  }
  return { errors, warnings };
}

/** An agent's MCP entries: each listed tool exists; each `approve` name is one of its tools once the servers answered. */
async function checkAgentTools(
  task: AgentTask,
  path: string,
  toolsOf: (server: string, path: string) => Promise<McpTool[] | undefined>,
  errors: ValidationProblem[],
): Promise<void> {
  const offered = new Set<string>();
  let complete = true;
  for (const [i, entry] of task.tools.entries()) {
    if ('flow' in entry) {
      offered.add(flowToolName(entry.flow));
      continue;
    }
    const tools = await toolsOf(entry.mcp, `${path}.tools[${i}].mcp`);
    if (!tools) {
      complete = false;
      continue;
    }
    for (const [j, name] of (entry.tools ?? []).entries()) {
      if (tools.some((t) => t.name === name)) continue;
      errors.push({
        path: `${path}.tools[${i}].tools[${j}]`,
        message: `MCP server "${entry.mcp}" has no tool "${name}"`,
        hint: `its tools: ${tools
          .map((t) => t.name)
          .slice(0, 30)
          .join(', ')}`,
      });
    }
    for (const tool of tools) if (!entry.tools || entry.tools.includes(tool.name)) offered.add(modelToolName(tool.name));
  }
  if (!complete) return;
  for (const [i, name] of (task.approve ?? []).entries()) {
    if (!offered.has(name))
      errors.push({ path: `${path}.approve[${i}]`, message: `${path}.approve[${i}] names "${name}", which is not one of the task's tools` });
  }
}
