// What validation knows only with the configured MCP servers at hand: an `mcp` task's server is
// configured in this process, and, when the server answers, its tool exists and the arguments
// fit the tool's inputSchema. A server that does not answer is a warning (the run checks again).

import type { ValidationProblem } from '../../core/errors.js';
import type { FlowSpec, McpTask } from '../../core/spec/flow-spec.js';
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
  const tasks = [...flowTasks(flow)].filter((t): t is { task: McpTask; path: string } => t.task.type === 'mcp');
  if (tasks.length === 0) return { errors, warnings };
  const names = catalog?.names() ?? [];
  const lists = new Map<string, Promise<McpTool[] | Error>>();
  for (const { task, path } of tasks) {
    if (!names.includes(task.server)) {
      errors.push({
        path: `${path}.server`,
        message: `MCP server "${task.server}" is not configured in this process${names.length ? ` (configured: ${names.join(', ')})` : ' (WEFT_MCP_SERVERS is unset here)'}`,
        hint: SAME_CONFIG_HINT,
      });
      continue;
    }
    if (!lists.has(task.server)) {
      lists.set(
        task.server,
        (catalog as McpServerCatalog).tools(task.server, { timeoutMs: VALIDATION_TIMEOUT_MS }).catch((error: unknown) => error as Error),
      );
    }
    const tools = await lists.get(task.server);
    if (tools instanceof Error || tools === undefined) {
      warnings.push({
        path: `${path}.server`,
        message: `MCP server "${task.server}" could not be reached to check the tool and its arguments (${tools?.message ?? 'no answer'}); they are checked when the task runs`,
      });
      continue;
    }
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
