// Small pieces of HTTP shared by the MCP endpoint and its session transport.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request header's value; the first one when it was sent more than once. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A JSON-RPC error as the whole HTTP response. */
export function replyError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
