// The http task's activity: one request with a timeout, typed failures and a bounded body.

import { ApplicationFailure } from '@temporalio/activity';
import type { Redactor } from '../src/secrets/redactor.js';
import { type HostAllowList, HTTP_HOST_NOT_ALLOWED, hostAllowListFromEnv, hostNotAllowedMessage } from '../src/security/host-allow-list.js';
import { withHeartbeat } from './heartbeat.js';
import { TASK_ERROR_TYPES, taskError } from './task-errors.js';
import type { HttpOutput, HttpRequestInput } from './types.js';

/** Largest response body read, in bytes (10 MiB); larger bodies fail the task. */
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** Most redirects followed by hand under a host allow-list (fetch's own limit). */
const MAX_REDIRECTS = 20;

/** `allowList` defaults to WEFT_HTTP_ALLOWED_HOSTS; a host outside it fails with HttpHostNotAllowed. */
export async function performHttpRequest(
  input: HttpRequestInput,
  redactor: Redactor,
  allowList: HostAllowList | undefined = hostAllowListFromEnv(),
): Promise<HttpOutput> {
  let url: URL;
  try {
    url = new URL(input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`protocol ${url.protocol} is not http or https`);
  } catch (error) {
    throw taskError(TASK_ERROR_TYPES.httpInvalid, `url ${input.url} is not a valid http(s) URL: ${(error as Error).message}`, redactor);
  }
  for (const [k, v] of Object.entries(input.query)) url.searchParams.append(k, v);
  if (allowList && !allowList.allows(url)) throw taskError(HTTP_HOST_NOT_ALLOWED, hostNotAllowedMessage(url, allowList), redactor);
  // No Headers object for a request without headers (most GETs): fetch would copy it once more.
  const headers = Object.keys(input.headers).length || input.json !== undefined ? new Headers(input.headers) : undefined;
  let body: string | undefined = input.body;
  if (input.json !== undefined) {
    body = JSON.stringify(input.json);
    if (headers && !headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const shown = redactor.text(`${input.method} ${url.origin}${url.pathname}`);
  return withHeartbeat(async (cancelled) => {
    const { signal, dispose } = cancelledOrTimedOut(cancelled, input.timeoutMs);
    try {
      return await request(signal, cancelled);
    } finally {
      dispose();
    }
  });

  async function request(signal: AbortSignal, cancelled: AbortSignal): Promise<HttpOutput> {
    const init: RequestInit = { method: input.method, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}), signal };
    let response: Response;
    try {
      response = allowList ? await fetchWithinAllowList(url, init, allowList, redactor) : await fetch(url, { ...init, redirect: 'follow' });
    } catch (error) {
      if (cancelled.aborted || error instanceof ApplicationFailure) throw error;
      if (signal.aborted) throw taskError(TASK_ERROR_TYPES.httpTimeout, `${shown} timed out after ${input.timeoutMs} ms`, redactor);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw taskError(TASK_ERROR_TYPES.httpNetwork, `${shown} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, redactor);
    }
    const text = await readBody(response, shown, redactor);
    const output: HttpOutput = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: parseBody(text, response.headers.get('content-type'), input.responseType),
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

/** Follows redirects by hand, so that no hop leaves the allow-list (fetch would follow them blindly). */
async function fetchWithinAllowList(url: URL, init: RequestInit, allowList: HostAllowList, redactor: Redactor): Promise<Response> {
  let target = url;
  let request = init;
  for (let hop = 0; ; hop++) {
    const response = await fetch(target, { ...request, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || response.status === 304 || !location) return response;
    await response.body?.cancel();
    const shown = redactor.text(`${init.method} ${url.origin}${url.pathname}`);
    if (hop === MAX_REDIRECTS) throw taskError(TASK_ERROR_TYPES.httpNetwork, `${shown} was redirected more than ${MAX_REDIRECTS} times`, redactor);
    const next = new URL(location, target);
    if (!allowList.allows(next)) throw taskError(HTTP_HOST_NOT_ALLOWED, `${hostNotAllowedMessage(next, allowList)} (redirected from ${target.host})`, redactor);
    const headers = new Headers(request.headers);
    // What fetch does on its own: 303 (and 301/302 after POST) become a GET without body, and
    // credentials are not sent on to another origin.
    const toGet = response.status === 303 ? request.method !== 'HEAD' : (response.status === 301 || response.status === 302) && request.method === 'POST';
    if (toGet) for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
    if (next.origin !== target.origin) for (const name of ['authorization', 'cookie', 'proxy-authorization']) headers.delete(name);
    const { body: _body, ...rest } = request;
    request = toGet ? { ...rest, method: 'GET', headers } : { ...request, headers };
    target = next;
  }
}

async function readBody(response: Response, shown: string, redactor: Redactor): Promise<string> {
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_RESPONSE_BYTES) throw taskError('HttpResponseTooLarge', `${shown} returned ${length} bytes; the limit is ${MAX_RESPONSE_BYTES}`, redactor);
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) throw taskError('HttpResponseTooLarge', `${shown} returned more than ${MAX_RESPONSE_BYTES} bytes`, redactor);
  return text;
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
