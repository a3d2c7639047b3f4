// A JSON API request's arguments for its tool: the path's, then the body's (JSON, or a flow's
// YAML text where the route takes one) or the query string's, typed by the tool's own input
// schema (a query value is text; `limit=5` is the number the schema wants).

import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { ApiRequestError } from './api-errors.js';
import { type ApiRoute, argsFromPath, pathArgNames } from './api-routes.js';

/** Largest request body read (a flow document is at most 1 MiB; JSON adds little). */
export const MAX_API_BODY_BYTES = 2 * 1024 * 1024;

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

/** The tool arguments of a request matched to `route`. */
export async function requestArgs(
  req: IncomingMessage,
  url: URL,
  route: ApiRoute,
  params: Readonly<Record<string, string>>,
  shape: z.ZodRawShape,
): Promise<Record<string, unknown>> {
  const fromPath = argsFromPath(route, params);
  const given = route.body ? await bodyArgs(req, url, route) : queryArgs(url.searchParams, shape);
  for (const name of pathArgNames(route)) {
    if (name in given) {
      throw new ApiRequestError('MALFORMED_REQUEST', `${name} is given by the path ${route.path}, not by the ${route.body ? 'body' : 'query'}`, {
        hint: `remove ${name} from the ${route.body ? 'body' : 'query'}`,
      });
    }
  }
  return { ...given, ...fromPath, ...route.fixed };
}

async function bodyArgs(req: IncomingMessage, url: URL, route: ApiRoute): Promise<Record<string, unknown>> {
  if ([...url.searchParams.keys()].length > 0) {
    throw new ApiRequestError('MALFORMED_REQUEST', `${route.method} ${route.path} takes its arguments in a JSON body, not the query`, {
      hint: 'send them as a JSON object with Content-Type: application/json',
    });
  }
  const text = await readBody(req);
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (route.body === 'flow-text' && YAML_TYPES.has(type)) return { flow: text };
  if (text.trim() === '') return {};
  if (type !== 'application/json') {
    throw new ApiRequestError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not accepted by ${route.method} ${route.path}`, {
      hint: route.body === 'flow-text' ? 'send application/json, or the flow text as application/yaml' : 'send application/json',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiRequestError('MALFORMED_REQUEST', 'the request body is not valid JSON', { hint: 'send a JSON object' });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiRequestError('MALFORMED_REQUEST', 'the request body must be a JSON object', { hint: `e.g. ${exampleBody(route)}` });
  }
  return body as Record<string, unknown>;
}

function exampleBody(route: ApiRoute): string {
  return route.body === 'flow-text' ? '{ "flow": "<YAML text>" }' : '{}';
}

/** The body as UTF-8 text; refused with 413 past MAX_API_BODY_BYTES, read no further. */
async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_API_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_API_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ApiRequestError {
  return new ApiRequestError('BODY_TOO_LARGE', `the request body is over ${MAX_API_BODY_BYTES} bytes (2 MiB)`, {
    hint: 'a flow text is at most 1 MiB; send large inputs by reference',
  });
}

/** Query parameters as arguments, each typed as the tool's schema wants it. */
export function queryArgs(query: URLSearchParams, shape: z.ZodRawShape): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    const values = query.getAll(name);
    const field = shape[name] as z.ZodType | undefined;
    args[name] = field ? typedValue(field, values) : values.length === 1 ? values[0] : values;
  }
  return args;
}

/**
 * A query value as the schema's type: numbers and booleans from their text, an array from
 * repeated parameters or a comma list (`iteration=3,1`). What cannot be read is passed on as
 * text, so the tool's check names the field and the expected type.
 */
function typedValue(field: z.ZodType, values: string[]): unknown {
  const kind = baseKind(field);
  const one = values[values.length - 1] ?? '';
  if (kind === 'number') return one.trim() !== '' && Number.isFinite(Number(one)) ? Number(one) : one;
  if (kind === 'boolean') return one === 'true' ? true : one === 'false' ? false : one;
  if (kind === 'array') {
    const items = values.flatMap((v) => v.split(',')).filter((v) => v !== '');
    const element = arrayElement(field);
    return element ? items.map((item) => typedValue(element, [item])) : items;
  }
  return one;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The type under optional, default and nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let def = defOf(current); def.innerType || (def.type === 'pipe' && def.in); def = defOf(current)) {
    current = (def.innerType ?? def.in) as z.ZodType;
  }
  return current;
}

function baseKind(schema: z.ZodType): string {
  return defOf(unwrap(schema)).type;
}

function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  return defOf(unwrap(schema)).element;
}
