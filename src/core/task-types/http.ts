// `http`: one HTTP request, made by the `httpRequest` activity after the workflow renders its
// templates (secrets stay markers until the activity).

import { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import { describeTaskType } from './descriptor.js';
import { TextMap } from './fields.js';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const StatusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]\d\d(-[1-5]\d\d)?$/, 'must be a status such as 200 or a range such as 200-299'),
]);

export const http = describeTaskType({
  name: 'http',
  description: 'Makes an HTTP request; output { status, headers, body }.',
  config: {
    url: z.string().min(1).max(8192),
    method: z.enum(HTTP_METHODS).optional(),
    headers: TextMap.optional(),
    query: TextMap.optional(),
    json: z.unknown().optional(),
    body: z
      .string()
      .max(10 * 1024 * 1024)
      .optional(),
    expectStatus: z.union([StatusSpec, z.array(StatusSpec).min(1).max(50)]).optional(),
    responseType: z.enum(['auto', 'json', 'text']).optional(),
  },
  output: '{ status, headers, body } (body parsed when JSON)',
  example: {
    id: 'fetch',
    type: 'http',
    url: '{{ inputs.url }}',
    method: 'GET',
    headers: { Authorization: "Bearer {{ secret('API_TOKEN') }}" },
    retry: { maxAttempts: 3, nonRetryable: ['HttpClientError'] },
  },
  defaultTimeout: '30s',
  nonRetryable: ['HttpInvalidRequestError'],
  activity: 'httpRequest',
  cacheable: true,
  secretFields: ['url', 'headers', 'query', 'json', 'body'],
  rawFields: ['expectStatus', 'responseType', 'method'],
  check: checkBody,
});

function checkBody(task: Record<string, unknown>, path: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (task.json !== undefined && task.body !== undefined) problems.push({ path: `${path}.body`, message: `${path} sets both json and body; use one` });
  const method = typeof task.method === 'string' ? task.method : 'GET';
  if ((method === 'GET' || method === 'HEAD') && (task.json !== undefined || task.body !== undefined)) {
    const field = task.json !== undefined ? 'json' : 'body';
    problems.push({
      path: `${path}.${field}`,
      message: `${path}.${field} is a request body, which a ${method} request cannot carry`,
      hint: 'set method: POST (or PUT, PATCH)',
    });
  }
  return problems;
}
