// What the MCP server needs from Weft: the service layer only (flows, runs, logs). Adapters
// never reach the Temporal client or the store directly.

import type { ContainerEngineChoice } from '../src/services/containers/container-engine.js';
import type { FileService } from '../src/services/files/file-service.js';
import type { FlowService } from '../src/services/flow-service.js';
import type { LimitService } from '../src/services/limits/limit-service.js';
import type { FlowDraft } from '../src/services/llm/flow-drafter.js';
import type { LogService } from '../src/services/log-service.js';
import type { McpServerCatalog } from '../src/services/mcp-client/client-pool.js';
import type { RunService } from '../src/services/run-service.js';
import type { ServicesContext } from '../src/services/services-context.js';
import type { TriggerService } from '../src/services/triggers/trigger-service.js';

export interface McpServices {
  flows: FlowService;
  runs: RunService;
  logs: LogService;
  /** Schedule triggers (list_triggers, operate_trigger); absent where no Temporal service backs them. */
  triggers?: TriggerService;
  /** Named limits (list_limits, set_limit, validate_flow's warnings); absent where no store backs them. */
  limits?: LimitService;
  /** Namespace files (manage_files); absent where no store backs them. */
  files?: FileService;
  /** The configured MCP servers (validate_flow checks mcp tasks against them; list_task_types shows them). */
  mcpServers?: McpServerCatalog;
  /** WEFT_CONTAINER_ENGINE: where validation looks for the engine that script tasks with `image` need (default auto). */
  containerEngine?: ContainerEngineChoice;
  /** Drafts a flow with the configured model (`provider/model`, default WEFT_DRAFT_MODEL). */
  draft?(goal: string, model: string | undefined, signal: AbortSignal): Promise<FlowDraft>;
}

/** The MCP server's services, from the process's services (the Temporal client is connected here). */
export async function mcpServices(ctx: ServicesContext): Promise<McpServices> {
  const drafter = await ctx.drafter();
  return {
    flows: await ctx.flows(),
    runs: await ctx.runs(),
    logs: await ctx.logs(),
    triggers: await ctx.triggers(),
    limits: await ctx.limits(),
    files: await ctx.files(),
    mcpServers: await ctx.mcpServers(),
    containerEngine: ctx.config.script.containerEngine,
    draft: (goal, model, signal) => drafter(goal, model, signal),
  };
}
