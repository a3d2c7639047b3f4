// The checks of a flow that need more than its text: its `mcp` tasks and agents' MCP tools
// against the MCP servers this process has, agents' flow tools against the saved flows, and
// script tasks with `image` against the container engine this machine has.
// validate_flow, save_flow, `weft flow validate` and `weft flow save` all check through here.

import type { ValidationProblem } from '../../core/errors.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import type { ContainerEngineChoice } from '../containers/container-engine.js';
import type { McpServerCatalog } from '../mcp-client/client-pool.js';
import { checkMcpTasks } from '../mcp-client/flow-check.js';
import { checkAgentFlowTools } from './agent-tool-check.js';
import type { FlowCatalog } from './flow-catalog.js';
import { checkScriptImages, imageTaskPaths } from './image-check.js';

export interface ToolCheckProblems {
  errors: ValidationProblem[];
  warnings: ValidationProblem[];
}

/** Whether the flow has anything these checks look at, so a caller can skip opening the services. */
export function usesTools(flow: FlowSpec): boolean {
  return [...flowTasks(flow)].some(({ task }) => task.type === 'mcp' || task.type === 'agent') || imageTaskPaths(flow).length > 0;
}

export async function checkFlowTools(
  flow: FlowSpec,
  services: {
    mcpServers: McpServerCatalog | undefined;
    flows: FlowCatalog;
    mayRead: (namespace: string) => boolean;
    /** WEFT_CONTAINER_ENGINE of this process (default auto). */
    containerEngine?: ContainerEngineChoice | undefined;
  },
): Promise<ToolCheckProblems> {
  const mcp = await checkMcpTasks(flow, services.mcpServers);
  const flowTools = await checkAgentFlowTools(flow, services.flows, services.mayRead);
  const images = await checkScriptImages(flow, services.containerEngine ?? 'auto');
  return { errors: [...mcp.errors, ...flowTools, ...images], warnings: mcp.warnings };
}
