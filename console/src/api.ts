// The console's one way to the server: the typed client of src/adapters/client over this page's
// own origin. Every call says it is the console's (on a keyless loopback server the server then
// takes it as the person at the machine); an API key, when the server wants one, is kept for
// this browser tab only (sessionStorage).

import { WeftApiError, WeftClient } from '../../src/adapters/client/weft-client.js';

const KEY_ITEM = 'weft.apiKey';

/** The header and value src/adapters/http/api/console-person.ts looks for. */
const CONSOLE_HEADER = ['x-weft-console', 'person'] as const;

function consoleFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set(CONSOLE_HEADER[0], CONSOLE_HEADER[1]);
  return fetch(input, { ...init, headers });
}

export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

export function storeKey(key: string | undefined): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
  client = makeClient();
}

function makeClient(): WeftClient {
  const key = storedKey();
  return new WeftClient({ url: location.origin, ...(key ? { apiKey: key } : {}), fetch: consoleFetch });
}

let client = makeClient();

/** The client of the moment (a new one after the key changes). */
export function api(): WeftClient {
  return client;
}

/** Whether an error means the server wants a (valid) API key. */
export function needsKey(error: unknown): boolean {
  return error instanceof WeftApiError && error.status === 401;
}

export { errorText } from './errors.js';
