// Failures of calls to configured MCP servers. Each carries the flow error type an `mcp` task
// fails with, so `retry.nonRetryable` can name it. Messages never hold a secret value: they
// name servers and tools, and the text a server returned passes the server's redactor first.

import { type FlowErrorType, WeftError } from '../../core/errors.js';

/** The hint every "not configured" message carries: processes that disagree are the usual cause. */
export const SAME_CONFIG_HINT = 'WEFT_MCP_SERVERS must be the same for every Weft process (workers, the server, the CLI and `weft mcp`)';

export class McpCallError extends WeftError {
  constructor(
    /** The task error type: McpToolError, McpConnectionError, McpTimeoutError, McpInvalidArguments or McpServerNotConfigured. */
    readonly type: FlowErrorType,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(codeOf(type), message, options);
  }
}

export class McpServerNotConfiguredError extends McpCallError {
  constructor(server: string, configured: readonly string[]) {
    const known = configured.length ? `configured here: ${configured.join(', ')}` : 'this process has no MCP servers configured (WEFT_MCP_SERVERS is unset)';
    super('McpServerNotConfigured', `MCP server "${server}" is not configured in this process; ${known}`, { hint: SAME_CONFIG_HINT });
  }
}

function codeOf(type: FlowErrorType): string {
  return `MCP_${type
    .replace(/^Mcp/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase()}`;
}
