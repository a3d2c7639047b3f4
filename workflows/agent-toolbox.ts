// The tools of one `agent` attempt, resolved once before the first model call: each flow by the
// `resolveFlow` local activity (the subflow path: the starter's rights are checked there), the
// MCP servers' tool lists by one activity. Both results are in history, so a replay offers the
// model the same tools, and a flow tool runs the revision resolved here.

import { flowToolDescription, flowToolName, flowToolParameters } from '../src/core/agent/agent-tools.js';
import type { AgentToolSpec } from '../src/core/runs/agent-io.js';
import type { AgentTask } from '../src/core/spec/flow-spec.js';
import type { ResolvedFlow } from './child-run.js';
import type { RunContext } from './run-context.js';
import { TaskFailure } from './task-failure.js';

export type AgentTool =
  | { kind: 'flow'; spec: AgentToolSpec; ref: string; resolved: ResolvedFlow }
  | { kind: 'mcp'; spec: AgentToolSpec; server: string; tool: string };

/** Time for the MCP servers' tool lists (a stdio server may have to start first). */
const TOOL_LIST_TIMEOUT_MS = 60_000;

export async function resolveToolbox(
  ctx: RunContext,
  task: AgentTask,
  iteration: number[] | undefined,
  key: string,
  attempt: number,
): Promise<Map<string, AgentTool>> {
  const tools: AgentTool[] = [];
  for (const entry of task.tools) {
    if (!('flow' in entry)) continue;
    const resolved = await ctx.local.resolveFlow({ flow: entry.flow, ...(ctx.rights ? { rights: ctx.rights } : {}) });
    const spec = { name: flowToolName(entry.flow), description: flowToolDescription(resolved.flow), parameters: flowToolParameters(resolved.flow) };
    tools.push({ kind: 'flow', spec, ref: entry.flow, resolved });
  }
  const servers = task.tools.flatMap((entry) => ('mcp' in entry ? [{ server: entry.mcp, ...(entry.tools ? { tools: entry.tools } : {}) }] : []));
  if (servers.length) {
    const acts = ctx.activities(`${key}.tools`, attempt, `${key}: MCP tool lists`, TOOL_LIST_TIMEOUT_MS, task.id);
    const listed = await acts.listAgentMcpTools({ context: ctx.taskContext(task.id, iteration, attempt), servers });
    for (const { server, tool, ...spec } of listed.tools) tools.push({ kind: 'mcp', spec, server, tool });
  }
  const byName = new Map<string, AgentTool>();
  for (const tool of tools) {
    if (byName.has(tool.spec.name)) {
      throw new TaskFailure(task.id, iteration, {
        type: 'AgentToolsInvalid',
        message: `agent ${key} offers two tools named "${tool.spec.name}"; list the MCP tools it may use so that names are unique`,
      });
    }
    byName.set(tool.spec.name, tool);
  }
  return byName;
}
