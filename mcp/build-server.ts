// `buildServer()`: one MCP server for one session, whatever the transport. Tools, resources
// and prompts are registered according to the session's access; stdio and Streamable HTTP are
// thin entry points over this.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WEFT_VERSION } from '../src/services/config/version.js';
import type { PromptTemplate } from '../src/services/prompts/prompt-library.js';
import type { McpAccess } from './access.js';
import { registerCompletions } from './completions.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { RUN_TASKS_CAPABILITY, RunTaskStore, serveRunTasks } from './run-tasks.js';
import { registerRunView } from './run-view-app.js';
import type { McpServices } from './services.js';
import { registerSubscriptions } from './subscriptions.js';
import { serveLeanToolList } from './tool-listing.js';
import { type AnyToolDefinition, type McpToolContext, registerTools } from './tool-registry.js';
import { FILE_TOOLS } from './tools/file-tools.js';
import { FLOW_TOOLS } from './tools/flow-tools.js';
import { getRun, queryLogs } from './tools/inspect-tools.js';
import { LIMIT_TOOLS } from './tools/limit-tools.js';
import { restartRunTool } from './tools/restart-tools.js';
import { cancelRun, listRuns, respondToApproval, runFlow } from './tools/run-tools.js';
import { TRIGGER_TOOLS } from './tools/trigger-tools.js';

export const WEFT_TOOLS: readonly AnyToolDefinition[] = [
  ...FLOW_TOOLS,
  runFlow,
  restartRunTool,
  getRun,
  listRuns,
  cancelRun,
  respondToApproval,
  queryLogs,
  ...TRIGGER_TOOLS,
  ...LIMIT_TOOLS,
  ...FILE_TOOLS,
];

const INSTRUCTIONS =
  'Weft runs durable workflows (flows) on Temporal. Author: list_task_types, validate_flow, save_flow. Run: run_flow (waitSeconds up to 50, idempotencyKey for safe retries). Inspect: get_run, list_runs, query_logs. Approvals: respond_to_approval (approvers: any only).';

export function buildServer(services: McpServices, access: McpAccess, prompts: readonly PromptTemplate[]): McpServer {
  const tasks = new RunTaskStore(() => ctx);
  const server = new McpServer(
    { name: 'weft', version: WEFT_VERSION },
    { instructions: INSTRUCTIONS, capabilities: { logging: {}, tasks: RUN_TASKS_CAPABILITY }, taskStore: tasks },
  );
  const ctx: McpToolContext = { server, services, access };
  const registered = new Set(registerTools(ctx, WEFT_TOOLS));
  serveRunTasks(ctx, tasks);
  serveLeanToolList(
    ctx,
    WEFT_TOOLS.filter((t) => registered.has(t.name)),
  );
  registerResources(server, ctx);
  if (registered.has(getRun.name)) registerRunView(server);
  registerSubscriptions(server, ctx);
  registerPrompts(server, ctx, prompts);
  registerCompletions(server, ctx, prompts);
  return server;
}
