// Small pieces of HTTP and JSON-RPC shared by the MCP endpoint and its session transport: headers,
// error replies, and the messages of a POST body checked as JSON-RPC 2.0 asks.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type JSONRPCMessage, JSONRPCMessageSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { errorAnswer } from './protocol-errors.js';

/** JSON-RPC's code for a message that is JSON but not a valid request, notification or response. */
export const INVALID_REQUEST = -32600;
/** Most messages one POST may carry. */
const MAX_BATCH_MESSAGES = 100;

/** A request header's value; the first one when it was sent more than once. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A JSON-RPC error as the whole HTTP response. */
export function replyError(res: ServerResponse, status: number, code: number, message: string, id: RequestId | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(errorAnswer(id, code, message)));
}

export type ErrorAnswer = ReturnType<typeof errorAnswer<RequestId | null>>;

/** The messages of a POST body, and an Invalid Request answer for each member of a batch that is not one. */
export interface PostMessages {
  /** Whether the body was an array: its answers then go back as an array, even one of them. */
  batch: boolean;
  messages: JSONRPCMessage[];
  invalid: ErrorAnswer[];
}

/**
 * Reads a parsed POST body as JSON-RPC 2.0: a message or a batch of them. A body that is no
 * message at all (an empty batch, a lone invalid message, too many messages) is one error answer.
 */
export function readMessages(body: unknown): PostMessages | ErrorAnswer {
  if (!Array.isArray(body)) {
    const parsed = JSONRPCMessageSchema.safeParse(body);
    return parsed.success ? { batch: false, messages: [parsed.data], invalid: [] } : invalidMessage(body);
  }
  if (body.length === 0) return errorAnswer(null, INVALID_REQUEST, 'Invalid Request: an empty batch; send at least one message');
  if (body.length > MAX_BATCH_MESSAGES) {
    return errorAnswer(null, INVALID_REQUEST, `Invalid Request: a batch holds at most ${MAX_BATCH_MESSAGES} messages (got ${body.length})`);
  }
  const read: PostMessages = { batch: true, messages: [], invalid: [] };
  for (const item of body) {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (parsed.success) read.messages.push(parsed.data);
    else read.invalid.push(invalidMessage(item));
  }
  return read;
}

export function isErrorAnswer(read: PostMessages | ErrorAnswer): read is ErrorAnswer {
  return 'error' in read;
}

/** The Invalid Request answer to `item`, with its id when one can be read (JSON-RPC says null otherwise). */
function invalidMessage(item: unknown): ErrorAnswer {
  const fields = item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
  const id = fields && (typeof fields.id === 'string' || Number.isInteger(fields.id)) ? (fields.id as RequestId) : null;
  return errorAnswer(id, INVALID_REQUEST, `Invalid Request: ${whyInvalid(fields, item)}`);
}

function whyInvalid(fields: Record<string, unknown> | undefined, item: unknown): string {
  if (!fields) return `a message must be a JSON object (got ${Array.isArray(item) ? 'a nested array' : item === null ? 'null' : typeof item})`;
  if (fields.jsonrpc !== '2.0') return `jsonrpc must be "2.0" (got ${JSON.stringify(fields.jsonrpc) ?? 'nothing'})`;
  if ('method' in fields) {
    if (typeof fields.method !== 'string') return `method must be a string (got ${typeof fields.method})`;
    if ('id' in fields && !(typeof fields.id === 'string' || Number.isInteger(fields.id))) return 'id must be a string or an integer';
    if (fields.params !== undefined && (fields.params === null || typeof fields.params !== 'object' || Array.isArray(fields.params))) {
      return 'params must be an object';
    }
    const extra = Object.keys(fields).filter((key) => !['jsonrpc', 'id', 'method', 'params'].includes(key));
    if (extra.length) return `unknown member ${extra.map((key) => JSON.stringify(key)).join(', ')}; a request has jsonrpc, id, method and params`;
  } else if (!('id' in fields)) {
    return 'not a request, notification or response: a request needs method and id, a notification method, a response id and result or error';
  } else if (!('result' in fields) && !('error' in fields)) {
    return 'a response needs result or error';
  }
  return 'not a valid JSON-RPC 2.0 request, notification or response';
}
