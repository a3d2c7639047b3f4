// The OpenAPI 3.1 document of the JSON API, generated from the route table and the tools' zod
// schemas: a route's parameters and body are its tool's input, its answer the tool's output.

import { z } from 'zod';
import type { AnyToolDefinition } from '../../../../mcp/tool-registry.js';
import { WEFT_VERSION } from '../../../services/config/version.js';
import { ApiErrorBody } from './api-errors.js';
import { API_PREFIX, type ApiRoute, pathArgNames, pathParams } from './api-routes.js';

type JsonSchema = Record<string, unknown>;

/** The error statuses every route may answer, and the ones only some do. */
const COMMON_ERRORS: Record<string, string> = {
  '400': 'Malformed request: arguments of the wrong type or unknown (problems name each)',
  '401': 'No or bad API key',
  '403': 'Scope, namespace, scripts or Origin refused',
  '404': 'Not found',
  '503': 'Temporal or the store cannot be reached (Retry-After)',
};
const BODY_ERRORS: Record<string, string> = {
  '409': 'The state forbids it (idempotency key reused with other inputs, a run still going, an approval not waiting)',
  '413': 'Body over 2 MiB',
  '415': 'Content-Type not accepted',
  '422': 'Flow or inputs invalid: problems has every problem with its spec path',
  '429': 'Too many requests (Retry-After)',
};

export function openApiDocument(routes: readonly ApiRoute[], tools: ReadonlyMap<string, AnyToolDefinition>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const tool = tools.get(route.tool);
    if (!tool) continue;
    const path = `${API_PREFIX}${route.path}`;
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route, tool);
  }
  paths[`${API_PREFIX}/openapi.json`] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      security: [],
      responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Weft HTTP API',
      version: WEFT_VERSION,
      description: 'Every route runs the MCP tool of the same operation, with the same schemas, access rules and audit.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (weft apikey create); not needed on loopback without --auth' },
      },
      schemas: { Error: clean(z.toJSONSchema(ApiErrorBody, { io: 'output', unrepresentable: 'any' })) },
    },
  };
}

function operation(route: ApiRoute, tool: AnyToolDefinition): Record<string, unknown> {
  if (route.events) return eventsOperation(route);
  const fromPath = new Set([...pathArgNames(route), ...Object.keys(route.fixed ?? {})]);
  const rest = Object.fromEntries(Object.entries(tool.input as z.ZodRawShape).filter(([name]) => !fromPath.has(name)));
  const input = z.strictObject(rest);
  const inputSchema = clean(z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }));
  const parameters: unknown[] = pathParams(route).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  let requestBody: unknown;
  if (route.body) {
    const content: Record<string, unknown> = { 'application/json': { schema: inputSchema } };
    if (route.body === 'flow-text') content['application/yaml'] = { schema: { type: 'string', description: 'The flow text' } };
    requestBody = { required: Object.keys(rest).some((name) => required(inputSchema, name)), content };
  } else {
    const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({ name, in: 'query', required: required(inputSchema, name), schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  const errors = route.body ? { ...COMMON_ERRORS, ...BODY_ERRORS } : COMMON_ERRORS;
  return {
    operationId: route.operation,
    summary: route.summary,
    description: `${tool.description} (MCP tool ${tool.name})`,
    tags: [route.path.split('/')[1] ?? 'api'],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      '200': {
        description: 'The tool\u2019s structured result',
        content: { 'application/json': { schema: clean(z.toJSONSchema(z.object(tool.output), { io: 'output', unrepresentable: 'any' })) } },
      },
      ...Object.fromEntries(
        Object.entries(errors).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}

function required(schema: JsonSchema, name: string): boolean {
  return Array.isArray(schema.required) && schema.required.includes(name);
}

/** A schema as OpenAPI 3.1 embeds it: the dialect is the document's, so no `$schema`. */
function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** A route of Server-Sent Events: its answer is a stream, described in words. */
function eventsOperation(route: ApiRoute): Record<string, unknown> {
  return {
    operationId: route.operation,
    summary: route.summary,
    description:
      'Events: `run` (the run as getRun shows it, first and when it ended; `{ runId, state }` when its state changes), `task` (a task run whose state changed), `log` (a log entry). Each event id is a log cursor: send it back as Last-Event-ID to resume.',
    tags: [route.path.split('/')[1] ?? 'api'],
    parameters: [
      ...pathParams(route).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' }, description: 'The id of the last event received' },
    ],
    responses: {
      '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      ...Object.fromEntries(
        Object.entries(COMMON_ERRORS).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
