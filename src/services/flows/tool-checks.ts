// The checks of a flow that need more than its text: its `mcp` tasks and agents' MCP tools
// against the MCP servers this process has, and agents' flow tools against the saved flows.
// validate_flow, save_flow, `weft flow validate` and `weft flow save` all check through here.

import type { ValidationProblem } from '../../core/errors.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import type { McpServerCatalog } from '../mcp-client/client-pool.js';
import { checkMcpTasks } from '../mcp-client/flow-check.js';
import { checkAgentFlowTools } from './agent-tool-check.js';
import type { FlowCatalog } from './flow-catalog.js';

export interface ToolCheckProblems {
  errors: ValidationProblem[];
  warnings: ValidationProblem[];
}

/** Whether the flow has anything these checks look at, so a caller can skip opening the services. */
export function usesTools(flow: FlowSpec): boolean {
  return [...flowTasks(flow)].some(({ task }) => task.type === 'mcp' || task.type === 'agent');
}

export async function checkFlowTools(
  flow: FlowSpec,
  services: { mcpServers: McpServerCatalog | undefined; flows: FlowCatalog; mayRead: (namespace: string) => boolean },
): Promise<ToolCheckProblems> {
  const mcp = await checkMcpTasks(flow, services.mcpServers);
  const flowTools = await checkAgentFlowTools(flow, services.flows, services.mayRead);
  return { errors: [...mcp.errors, ...flowTools], warnings: mcp.warnings };
}
