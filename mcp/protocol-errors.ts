// The JSON-RPC errors Weft answers protocol misuse with, on every transport: invalid params as
// one line naming the fields (the SDK's own check throws a zod error, which its protocol layer
// turns into -32603 with the whole issue list), and the spec's -32002 for an unknown resource.

import { ClientRequestSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { WeftError } from '../src/core/errors.js';

/** MCP's code for a resource that does not exist (the spec's resources page, "Error Handling"). */
export const RESOURCE_NOT_FOUND = -32002;

/** Most problems one message names; the rest are counted. */
const MAX_PROBLEMS = 3;

/** The request schema of each method a client may call, from the SDK's own union. */
const REQUEST_SCHEMAS = new Map(ClientRequestSchema.options.map((schema) => [schema.shape.method.value as string, schema]));

/**
 * An error the SDK's protocol layer sends as it is: a numeric `code`, the message without the
 * `MCP error <code>:` prefix an McpError adds, and `data`.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }
}

/** -32002 for `uri`, with the uri in `data` so a client need not parse the message. */
export function resourceNotFound(uri: string, detail?: string): JsonRpcError {
  return new JsonRpcError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}${detail ? ` (${detail})` : ''}`, { uri });
}

/** Weft errors that mean the thing a resource URI names does not exist. */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['RUN_NOT_FOUND', 'FLOW_NOT_FOUND']);

/** Runs a resource read, turning "that run or flow does not exist" into -32002 for `uri`. */
export async function readOrNotFound<T>(uri: URL, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof WeftError && NOT_FOUND_CODES.has(error.code)) throw resourceNotFound(uri.href, error.message);
    throw error;
  }
}

/** A JSON-RPC error response. */
export function errorAnswer<Id extends RequestId | null>(id: Id, code: number, message: string, data?: Record<string, unknown>) {
  return { jsonrpc: '2.0' as const, id, error: { code, message, ...(data ? { data } : {}) } };
}

/**
 * What is wrong with a request's params for its method, as one line naming each field and the
 * type it needs; undefined when they fit, or the method is not one the SDK knows (it answers
 * those with -32601 itself).
 */
export function invalidParams(request: { method: string; params?: unknown }): string | undefined {
  const schema = REQUEST_SCHEMAS.get(request.method);
  if (!schema) return undefined;
  const parsed = schema.safeParse(request);
  if (parsed.success) return request.method === 'resources/read' ? invalidResourceUri(request.params) : undefined;
  let issues = parsed.error.issues;
  let input: unknown = request;
  // Missing params: name the fields they need rather than only `params`.
  if (request.params === undefined) {
    const empty = { ...request, params: {} };
    const inner = schema.safeParse(empty);
    if (!inner.success) {
      issues = inner.error.issues;
      input = empty;
    }
  }
  const problems = issues.slice(0, MAX_PROBLEMS).map((issue) => describeIssue(issue, input));
  const more = issues.length > MAX_PROBLEMS ? `; and ${issues.length - MAX_PROBLEMS} more` : '';
  return `Invalid params: ${request.method} ${problems.join('; ')}${more}`;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
}

function describeIssue(issue: Issue, input: unknown): string {
  const path = issue.path.map(String).join('.') || 'params';
  if (issue.code === 'invalid_type' && issue.expected) {
    const value = valueAt(input, issue.path);
    return value === undefined ? `${path} is required (${issue.expected})` : `${path} must be ${article(issue.expected)} (got ${typeName(value)})`;
  }
  return `${path}: ${issue.message.replace(/\s+/g, ' ')}`;
}

function invalidResourceUri(params: unknown): string | undefined {
  const uri = (params as { uri: string }).uri;
  return URL.canParse(uri)
    ? undefined
    : `Invalid params: resources/read params.uri must be an absolute URI such as weft://runs/<runId> (got ${JSON.stringify(uri.slice(0, 100))})`;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
