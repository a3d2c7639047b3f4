// One HTTP exchange with an address the egress policy already checked: the socket goes to that
// address (the URL's host is only the Host header and the TLS name), and the body is read in
// chunks up to a limit, so neither a second DNS answer nor an endless body gets through.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export interface PinnedRequest {
  url: URL;
  /** The checked address and its family; the only place the socket may go. */
  address: string;
  family: 4 | 6;
  method: string;
  headers: Headers | Record<string, string>;
  body?: string | undefined;
  signal: AbortSignal;
}

export interface PinnedResponse {
  status: number;
  statusText: string;
  /** Lower-case names in name order; repeated headers joined with ", " (as fetch gives them). */
  headers: Record<string, string>;
  /** The decoded body, or undefined when it grew past `limit` bytes (reading stops there). */
  read(limit: number): Promise<Buffer | undefined>;
  /** Drops the body unread and closes the connection. */
  discard(): void;
}

// Sockets are pooled by address, port and TLS name, so a pooled socket is one that was checked.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Headers a flow may not set: they belong to the connection, which the policy controls. */
const CONNECTION_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer']);

export function sendPinned(r: PinnedRequest): Promise<PinnedResponse> {
  const secure = r.url.protocol === 'https:';
  const hostname = r.url.hostname.replace(/^\[|\]$/g, '');
  const headers: OutgoingHttpHeaders = { host: r.url.host, accept: '*/*', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'weft' };
  const given = r.headers instanceof Headers ? [...r.headers] : Object.entries(r.headers);
  for (const [name, value] of given) if (!CONNECTION_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  if (r.body !== undefined) {
    headers['content-length'] = Buffer.byteLength(r.body);
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
  }
  const options: RequestOptions & { servername?: string } = {
    host: r.address,
    family: r.family,
    port: r.url.port || (secure ? 443 : 80),
    method: r.method,
    path: `${r.url.pathname}${r.url.search}`,
    headers,
    agent: secure ? agents.https : agents.http,
    signal: r.signal,
    // The certificate is checked against the name asked for, not the address connected to.
    ...(secure && isIP(hostname) === 0 ? { servername: hostname } : {}),
  };
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof httpRequest>;
    try {
      req = (secure ? httpsRequest : httpRequest)(options, (res) => resolve(pinnedResponse(res, r.signal)));
    } catch (error) {
      // Invalid header names or values are refused before anything is sent.
      reject(error);
      return;
    }
    req.on('error', reject);
    req.end(r.body);
  });
}

function pinnedResponse(res: IncomingMessage, signal: AbortSignal): PinnedResponse {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(res.headers).sort()) {
    const value = res.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers,
    read: (limit) => readLimited(res, limit, signal),
    discard: () => res.destroy(),
  };
}

async function readLimited(res: IncomingMessage, limit: number, signal: AbortSignal): Promise<Buffer | undefined> {
  const abort = () => res.destroy(new Error('aborted'));
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  const decoder = decoderFor(res.headers['content-encoding']);
  // The limit counts decoded bytes: a small compressed body may not inflate past it either.
  const source: Readable = decoder ? pipeline(res, decoder, () => {}) : res;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        decoder?.destroy();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, size);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

function decoderFor(encoding: string | undefined) {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}
