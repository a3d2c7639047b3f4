// The MCP tools an `agent` offers its model: each configured server's tool list (from the
// worker's client pool, cached there), narrowed to the names the task lists.

import { ApplicationFailure } from '@temporalio/activity';
import { modelToolName } from '../src/core/agent/agent-tools.js';
import type { AgentMcpToolsInput, AgentMcpToolsOutput } from '../src/core/runs/agent-io.js';
import type { McpClientPool } from '../src/services/mcp-client/client-pool.js';
import { McpCallError, McpServerNotConfiguredError } from '../src/services/mcp-client/mcp-errors.js';

export async function listAgentMcpTools(input: AgentMcpToolsInput, pool: McpClientPool | undefined): Promise<AgentMcpToolsOutput> {
  const out: AgentMcpToolsOutput['tools'] = [];
  try {
    for (const { server, tools: wanted } of input.servers) {
      if (!pool) throw new McpServerNotConfiguredError(server, []);
      const tools = await pool.tools(server);
      for (const name of wanted ?? []) {
        if (!tools.some((t) => t.name === name)) {
          throw ApplicationFailure.create({
            type: 'AgentToolsInvalid',
            message: `MCP server "${server}" has no tool "${name}" (its tools: ${tools
              .map((t) => t.name)
              .slice(0, 30)
              .join(', ')})`,
            nonRetryable: true,
          });
        }
      }
      for (const tool of tools) {
        if (wanted && !wanted.includes(tool.name)) continue;
        out.push({
          name: modelToolName(tool.name),
          description: (tool.description ?? '').slice(0, 1000),
          parameters: tool.inputSchema,
          server,
          tool: tool.name,
        });
      }
    }
  } catch (error) {
    if (!(error instanceof McpCallError)) throw error;
    throw ApplicationFailure.create({ type: error.type, message: error.message, nonRetryable: true });
  }
  return { tools: out };
}
