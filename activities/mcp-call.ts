// The `mcp` task's activity: checks the rendered arguments against the tool's inputSchema, calls
// the tool through the worker's client pool (which reconnects a server that died under the call
// and sends the call again, within this attempt) while heartbeating, and shapes the result.
// Every failure is a typed task error; text from the server is redacted of the secret values its
// configuration resolved to.

import { ApplicationFailure } from '@temporalio/activity';
import type { McpCallInput, McpOutput } from '../src/core/runs/activity-io.js';
import { argumentProblems } from '../src/services/mcp-client/argument-check.js';
import type { McpClientPool } from '../src/services/mcp-client/client-pool.js';
import { McpCallError, McpServerNotConfiguredError } from '../src/services/mcp-client/mcp-errors.js';
import { withHeartbeat } from './heartbeat.js';

/** Most characters of a tool's error text carried in the task's error message. */
const MAX_ERROR_TEXT = 2000;

export async function callMcpTool(input: McpCallInput, pool: McpClientPool | undefined): Promise<McpOutput> {
  try {
    if (!pool) throw new McpServerNotConfiguredError(input.server, []);
    const tools = await pool.tools(input.server);
    const tool = tools.find((t) => t.name === input.tool);
    if (!tool) {
      throw new McpCallError('McpInvalidArguments', `MCP server "${input.server}" has no tool "${input.tool}"`, {
        hint: `its tools: ${tools
          .map((t) => t.name)
          .slice(0, 30)
          .join(', ')}`,
      });
    }
    const problems = argumentProblems(tool.inputSchema, input.arguments, `${input.context.taskId}.arguments`);
    if (problems.length) {
      throw new McpCallError(
        'McpInvalidArguments',
        `the arguments of MCP tool ${input.server}/${input.tool} do not fit its input schema: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      );
    }
    const result = await withHeartbeat((signal) => pool.callTool(input.server, input.tool, input.arguments, { signal, timeoutMs: input.timeoutMs }));
    const redactor = pool.redactor(input.server);
    const content = (Array.isArray(result.content) ? result.content : [])
      .flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : []))
      .join('\n');
    if (result.isError) {
      throw new McpCallError(
        'McpToolError',
        redactor.text(`MCP tool ${input.server}/${input.tool} answered with an error: ${content.slice(0, MAX_ERROR_TEXT)}`),
      );
    }
    return redactor.value({ content, structured: result.structuredContent ?? null, isError: false });
  } catch (error) {
    if (!(error instanceof McpCallError)) throw error;
    throw ApplicationFailure.create({
      type: error.type,
      message: error.message,
      nonRetryable: true,
      ...(error.hint ? { details: [{ hint: error.hint }] } : {}),
    });
  }
}
