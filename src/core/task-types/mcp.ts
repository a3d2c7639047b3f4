// `mcp`: one tool call on an MCP server the operator configured (WEFT_MCP_SERVERS), made by the
// `callMcpTool` activity through the worker's client pool. `server` and `tool` are plain names,
// not templates, so validation can check them (and the arguments) against the server itself.

import { z } from 'zod';
import { describeTaskType } from './descriptor.js';

/** What a configured server's name may be (WEFT_MCP_SERVERS keys follow the same rule). */
export const MCP_SERVER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const mcp = describeTaskType({
  name: 'mcp',
  description: 'Calls one tool of an MCP server configured by the operator (WEFT_MCP_SERVERS); output { content, structured, isError }.',
  config: {
    server: z.string().regex(MCP_SERVER_NAME, 'must name a server of WEFT_MCP_SERVERS (a letter, then letters, digits, _ or -)'),
    tool: z.string().min(1).max(200),
    arguments: z.record(z.string().max(200), z.unknown()).optional(),
  },
  output: "{ content, structured, isError } (content: the text parts joined; structured: the tool's structuredContent)",
  example: {
    id: 'add',
    type: 'mcp',
    server: 'everything',
    tool: 'get-sum',
    arguments: { a: '{{ inputs.a }}', b: 2 },
    retry: { maxAttempts: 2, nonRetryable: ['McpInvalidArguments'] },
  },
  defaultTimeout: '60s',
  nonRetryable: ['McpInvalidArguments', 'McpServerNotConfigured'],
  activity: 'callMcpTool',
  cacheable: true,
  rawFields: ['server', 'tool'],
});
