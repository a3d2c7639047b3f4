// `POST /hooks/{namespace}/{flowId}/{triggerId}`: reads the request (body bounded at 1 MiB, read
// no further), hands it to the webhook service, and answers with the status codes of the HTTP
// contract. No API key and no Host check: the trigger's own signature or token authenticates.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ExpressionError, FlowValidationError, WeftError } from '../../core/errors.js';
import { FLOW_ID_PATTERN, NAMESPACE_PATTERN } from '../../core/spec/schemas.js';
import { MAX_WEBHOOK_BODY_BYTES, TRIGGER_ID_PATTERN } from '../../core/spec/triggers.js';
import type { WebhookDelivery, WebhookOutcome, WebhookService } from '../../services/triggers/webhook-service.js';

/** The path prefix webhook routes are served under. */
export const HOOKS_PREFIX = '/hooks/';

/** HTTP status of each error code a delivery can end with (the rest are 500). */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  WEBHOOK_UNAUTHORIZED: 401,
  FLOW_NOT_FOUND: 404,
  TRIGGER_NOT_FOUND: 404,
  TRIGGER_DISABLED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  WEBHOOK_BODY_INVALID: 400,
  STORE_UNAVAILABLE: 503,
  TEMPORAL_UNREACHABLE: 503,
};

interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  problems?: Array<{ path: string; message: string; hint?: string }>;
}

/** A handler of requests under `/hooks/`, for the HTTP server to dispatch to. */
export function webhookRoute(service: WebhookService, log: (line: string) => void = () => {}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const parts = url.pathname.slice(HOOKS_PREFIX.length).split('/').map(decodeSegment);
    if (!isHookPath(parts)) {
      reply(res, 404, {
        error: { code: 'NOT_FOUND', message: `no webhook at ${url.pathname}`, hint: 'webhooks are POST /hooks/{namespace}/{flowId}/{triggerId}' },
      });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      reply(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `webhooks take POST, not ${req.method}` } });
      return;
    }
    const body = await readBounded(req);
    if (!body) {
      // The rest of the body is never read, so this connection cannot carry another request.
      res.setHeader('connection', 'close');
      reply(res, 413, { error: { code: 'BODY_TOO_LARGE', message: `webhook request body is over ${MAX_WEBHOOK_BODY_BYTES} bytes (1 MiB)` } });
      return;
    }
    const headers = headersOf(req);
    const parsed = parseBody(body, headers['content-type']);
    if (parsed === MALFORMED) {
      reply(res, 400, { error: { code: 'MALFORMED_BODY', message: 'webhook request body is not valid JSON, though its Content-Type says JSON' } });
      return;
    }
    const [namespace, flowId, triggerId] = parts;
    const delivery: WebhookDelivery = {
      flow: `${namespace}/${flowId}`,
      triggerId,
      method: req.method,
      headers,
      query: queryOf(url.searchParams),
      body,
      parsedBody: parsed,
    };
    try {
      const outcome = await service.deliver(delivery);
      reply(res, statusOf(outcome), resultBody(outcome));
    } catch (error) {
      const { status, body: answer } = errorAnswer(error);
      if (status === 500) log(`webhook ${delivery.flow}/${triggerId}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      if (status === 503) res.setHeader('retry-after', '5');
      reply(res, status, answer);
    }
  };
}

function statusOf(outcome: WebhookOutcome): number {
  if (outcome.waited === 'expired') return 202;
  if (outcome.waited === 'ended') return 200;
  return outcome.started ? 202 : 200;
}

function resultBody(outcome: WebhookOutcome): Record<string, unknown> {
  const { waited: _waited, ...shown } = outcome;
  return shown;
}

function errorAnswer(error: unknown): { status: number; body: { error: ErrorBody } } {
  if (error instanceof FlowValidationError)
    return { status: 422, body: { error: { code: error.code, message: error.message, ...hintOf(error), problems: error.problems } } };
  if (error instanceof ExpressionError)
    return {
      status: 422,
      body: { error: { code: error.code, message: error.message, ...hintOf(error), problems: [{ path: error.field, message: error.message }] } },
    };
  if (error instanceof WeftError) {
    const status = STATUS_OF_CODE[error.code] ?? 500;
    return {
      status,
      body: { error: { code: error.code, message: status === 500 ? 'internal error' : error.message, ...(status === 500 ? {} : hintOf(error)) } },
    };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

function hintOf(error: WeftError): { hint?: string } {
  return error.hint === undefined ? {} : { hint: error.hint };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The body, or undefined once it passes the bound (the rest is not read). */
async function readBounded(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BODY_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_WEBHOOK_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const MALFORMED = Symbol('malformed body');

/** JSON bodies (`application/json`, `application/*+json`) parsed; any other body as its text. */
function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const text = body.toString('utf8');
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return MALFORMED;
  }
}

/** Header names lower-case (as Node gives them), repeated values joined as HTTP joins them. */
function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Query parameters: one value as a string, a repeated one as a list. */
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    out[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/** Whether the path names a namespace, a flow id and a trigger id as the spec writes them. */
function isHookPath(parts: readonly string[]): parts is [string, string, string] {
  const [namespace = '', flowId = '', triggerId = ''] = parts;
  return parts.length === 3 && NAMESPACE_PATTERN.test(namespace) && FLOW_ID_PATTERN.test(flowId) && TRIGGER_ID_PATTERN.test(triggerId);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
