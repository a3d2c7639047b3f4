// The http task's activity: one request with a timeout, typed failures, the egress policy on
// every hop and a body read no further than its limit.

import { ApplicationFailure } from '@temporalio/activity';
import { flowErrorType } from '../src/core/errors.js';
import type { HttpOutput, HttpRequestInput } from '../src/core/runs/activity-io.js';
import type { Redactor } from '../src/services/secrets/redactor.js';
import { EgressPolicy } from '../src/services/security/egress-policy.js';
import { HTTP_HOST_NOT_ALLOWED, hostAllowListFromEnv } from '../src/services/security/host-allow-list.js';
import { tracedHttpRequest } from '../src/services/telemetry/client-spans.js';
import { withHeartbeat } from './heartbeat.js';
import { type PinnedResponse, sendPinned } from './http-pinned-request.js';
import { TASK_ERROR_TYPES, taskError } from './task-errors.js';

/** Largest response body read, in bytes (10 MiB, decoded); reading stops there and the task fails. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Most redirects followed (fetch's own limit); each hop is checked like the first request. */
const MAX_REDIRECTS = 20;
/** Task error type of a response body over MAX_RESPONSE_BYTES; not retryable. */
export const HTTP_RESPONSE_TOO_LARGE = flowErrorType('HttpResponseTooLarge');

interface Outgoing {
  method: string;
  headers: Headers;
  body?: string | undefined;
}

/**
 * `policy` defaults to WEFT_HTTP_ALLOWED_HOSTS or, unset, public addresses only (the worker passes
 * its own, which also knows Weft's and Temporal's ports); a refused host fails with HttpHostNotAllowed.
 */
export async function performHttpRequest(
  input: HttpRequestInput,
  redactor: Redactor,
  policy: EgressPolicy = new EgressPolicy({ allowList: hostAllowListFromEnv() }),
): Promise<HttpOutput> {
  let url: URL;
  try {
    url = new URL(input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`protocol ${url.protocol} is not http or https`);
    if (url.username || url.password) throw new Error('credentials in the URL are not sent; put them in headers with secret()');
  } catch (error) {
    throw taskError(TASK_ERROR_TYPES.httpInvalid, `url ${input.url} is not a valid http(s) URL: ${(error as Error).message}`, redactor);
  }
  for (const [k, v] of Object.entries(input.query)) url.searchParams.append(k, v);
  let headers: Headers;
  try {
    headers = new Headers(input.headers);
  } catch (error) {
    throw taskError(TASK_ERROR_TYPES.httpInvalid, `headers of ${url.origin}${url.pathname} are not valid: ${(error as Error).message}`, redactor);
  }
  let body: string | undefined = input.body;
  if (input.json !== undefined) {
    body = JSON.stringify(input.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const shown = redactor.text(`${input.method} ${url.origin}${url.pathname}`);
  return withHeartbeat(async (cancelled) => {
    const { signal, dispose } = cancelledOrTimedOut(cancelled, input.timeoutMs);
    try {
      return await exchange(signal, cancelled);
    } finally {
      dispose();
    }
  });

  async function exchange(signal: AbortSignal, cancelled: AbortSignal): Promise<HttpOutput> {
    const networkFailure = (error: unknown) => {
      if (cancelled.aborted || error instanceof ApplicationFailure) return error;
      if (signal.aborted) return taskError(TASK_ERROR_TYPES.httpTimeout, `${shown} timed out after ${input.timeoutMs} ms`, redactor);
      const e = error as { code?: string; cause?: { code?: string; message?: string }; message?: string };
      // Header names or values node refuses to send: the flow's request is at fault, not the network.
      if (e.code?.startsWith('ERR_INVALID_')) return taskError(TASK_ERROR_TYPES.httpInvalid, `${shown} is not a valid request: ${e.message}`, redactor);
      return taskError(TASK_ERROR_TYPES.httpNetwork, `${shown} failed: ${e.code ?? e.cause?.code ?? e.cause?.message ?? e.message}`, redactor);
    };
    let response: PinnedResponse;
    let bytes: Buffer | undefined;
    try {
      response = await followRedirects(url, { method: input.method, headers, body }, policy, signal, redactor);
      bytes = await response.read(MAX_RESPONSE_BYTES);
    } catch (error) {
      throw networkFailure(error);
    }
    if (bytes === undefined)
      throw taskError(HTTP_RESPONSE_TOO_LARGE, `${shown} returned more than ${MAX_RESPONSE_BYTES} bytes; reading stopped at the limit`, redactor);
    const text = new TextDecoder().decode(bytes);
    const output: HttpOutput = {
      status: response.status,
      headers: response.headers,
      body: parseBody(text, response.headers['content-type'] ?? null, input.responseType),
    };
    if (!statusExpected(response.status, input.expectStatus)) {
      const type = response.status >= 500 ? TASK_ERROR_TYPES.httpServer : response.status >= 400 ? TASK_ERROR_TYPES.httpClient : TASK_ERROR_TYPES.httpServer;
      throw taskError(
        type,
        `${shown} answered ${response.status} ${response.statusText}: ${text.slice(0, 300)}`,
        redactor,
        redactor.value({ status: output.status }),
      );
    }
    return redactor.value(output);
  }
}

/**
 * One signal for "the activity was cancelled or the task's timeout passed". A plain controller
 * and one timer: `AbortSignal.any` with `AbortSignal.timeout` cost several times more per request
 * on Node 20 (they showed in the fan-out benchmark's profile).
 */
function cancelledOrTimedOut(cancelled: AbortSignal, timeoutMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, timeoutMs);
  cancelled.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', abort);
    },
  };
}

/**
 * Sends the request and follows redirects by hand: every hop passes the egress policy and goes
 * to the address the policy checked, so a redirect (or a second DNS answer) cannot lead elsewhere.
 */
async function followRedirects(url: URL, first: Outgoing, policy: EgressPolicy, signal: AbortSignal, redactor: Redactor): Promise<PinnedResponse> {
  let target = url;
  let request = first;
  for (let hop = 0; ; hop++) {
    const decision = await policy.admit(target);
    if (!decision.allowed) throw taskError(HTTP_HOST_NOT_ALLOWED, hop ? `${decision.message} (redirected from ${url.host})` : decision.message, redactor);
    const pinned = { url: target, address: decision.address, family: decision.family, ...request, signal };
    const response = await tracedHttpRequest(request.method, target, request.headers, (headers) => sendPinned({ ...pinned, headers }));
    const location = response.headers.location;
    if (response.status < 300 || response.status > 399 || response.status === 304 || !location) return response;
    response.discard();
    const shown = redactor.text(`${first.method} ${url.origin}${url.pathname}`);
    if (hop === MAX_REDIRECTS) throw taskError(TASK_ERROR_TYPES.httpNetwork, `${shown} was redirected more than ${MAX_REDIRECTS} times`, redactor);
    let next: URL;
    try {
      next = new URL(location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`protocol ${next.protocol} is not http or https`);
    } catch (error) {
      throw taskError(TASK_ERROR_TYPES.httpNetwork, `${shown} was redirected to an invalid location: ${(error as Error).message}`, redactor);
    }
    const headers = new Headers(request.headers);
    // What fetch does on its own: 303 (and 301/302 after POST) become a GET without body, and
    // credentials are not sent on to another origin.
    const toGet = response.status === 303 ? request.method !== 'HEAD' : (response.status === 301 || response.status === 302) && request.method === 'POST';
    if (toGet) for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
    if (next.origin !== target.origin) for (const name of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(name);
    request = toGet ? { method: 'GET', headers } : { ...request, headers };
    target = next;
  }
}

function parseBody(text: string, contentType: string | null, responseType: HttpRequestInput['responseType']): unknown {
  if (responseType === 'text') return text;
  const looksJson = contentType?.includes('json') ?? false;
  if (responseType === 'json' || looksJson) {
    try {
      return text.length ? JSON.parse(text) : null;
    } catch {
      if (responseType === 'json') throw new Error('response body is not JSON (responseType: json)');
    }
  }
  return text;
}

/** Whether a status matches `expectStatus` (default 200-299). */
export function statusExpected(status: number, expect: HttpRequestInput['expectStatus']): boolean {
  if (expect === undefined) return status >= 200 && status < 300;
  const list = Array.isArray(expect) ? expect : [expect];
  return list.some((spec) => {
    if (typeof spec === 'number') return status === spec;
    const [low, high] = spec.split('-').map(Number);
    return high === undefined ? status === low : status >= (low ?? 0) && status <= high;
  });
}
