// The only way out of a sandbox without a network: a forwarding HTTP proxy that listens on a
// unix socket in the attempt's directory and connects only to hosts the task was granted and the
// worker's egress policy admits (never Weft's own ports unless the operator names them). Inside
// the sandbox a relay (script-relay.ts) offers it on 127.0.0.1 as HTTP_PROXY / HTTPS_PROXY.

import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EgressPolicy } from '../src/services/security/egress-policy.js';
import type { HostAllowList } from '../src/services/security/host-allow-list.js';

export interface ProxyGrant {
  /** The task's host list; absent: any host the egress policy admits (`network: true`). */
  hosts?: HostAllowList | undefined;
  egress: EgressPolicy;
  /** Told of every refused connection, in words for the run's logs. */
  onRefused: (message: string) => void;
}

/** Starts a proxy on `socketPath`; `close()` stops it and cuts every connection it carries. */
export async function startScriptProxy(socketPath: string, grant: ProxyGrant): Promise<{ close: () => Promise<void> }> {
  const open = new Set<Duplex>();
  const track = (s: Duplex) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const server: Server = createServer((req, res) => {
    void forward(req, res, grant);
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    void tunnel(req, client, head, grant, track);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(socketPath, () => done());
  });
  return {
    close: () =>
      new Promise<void>((done) => {
        for (const s of open) s.destroy();
        server.close(() => done());
      }),
  };
}

/** `CONNECT host:port` (HTTPS and any TCP the client tunnels): checked, then spliced. */
async function tunnel(req: IncomingMessage, client: Duplex, head: Buffer, grant: ProxyGrant, track: (s: Duplex) => void): Promise<void> {
  client.on('error', () => client.destroy());
  const target = parseTarget(`https://${req.url ?? ''}`);
  const decision = target ? await admit(target, grant) : { allowed: false as const, message: `CONNECT ${req.url} is not host:port` };
  if (!decision.allowed) {
    grant.onRefused(decision.message);
    client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${decision.message}\n`);
    return;
  }
  const upstream: Socket = connect({ host: decision.address, port: Number(target?.port) });
  track(upstream);
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('error', (error) => {
    grant.onRefused(`network: cannot connect to ${req.url}: ${error.message}`);
    client.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n`);
  });
  client.once('close', () => upstream.destroy());
}

/** A plain `GET http://host/...` through the proxy: checked, then forwarded to the admitted address. */
async function forward(req: IncomingMessage, res: ServerResponse, grant: ProxyGrant): Promise<void> {
  const target = parseTarget(req.url ?? '');
  const decision =
    target && target.protocol === 'http:' ? await admit(target, grant) : { allowed: false as const, message: `${req.url} is not an absolute http URL` };
  if (!decision.allowed || !target) {
    grant.onRefused(decision.allowed ? `${req.url} refused` : decision.message);
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end(`${decision.allowed ? 'refused' : decision.message}\n`);
    return;
  }
  const headers = { ...req.headers };
  delete headers['proxy-connection'];
  delete headers['proxy-authorization'];
  const out = request(
    { host: decision.address, port: Number(target.port || 80), method: req.method, path: `${target.pathname}${target.search}`, headers, setHost: false },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', (error) => {
    grant.onRefused(`network: request to ${target.host} failed: ${error.message}`);
    if (!res.headersSent) res.writeHead(502, { connection: 'close' });
    res.end();
  });
  req.pipe(out);
}

type Decision = { allowed: true; address: string } | { allowed: false; message: string };

async function admit(target: URL, grant: ProxyGrant): Promise<Decision> {
  const where = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
  if (grant.hosts && !grant.hosts.allows(target))
    return { allowed: false, message: `network: connection to ${where} refused: the task's network grant lists only ${grant.hosts.text}` };
  try {
    const decision = await grant.egress.admit(target);
    if (!decision.allowed)
      return {
        allowed: false,
        message: `network: connection to ${where} refused: ${decision.message.replace(/^http request to host \S+ is not allowed: /, '')}`,
      };
    return { allowed: true, address: decision.address };
  } catch (error) {
    return { allowed: false, message: `network: cannot resolve ${target.hostname}: ${(error as Error).message}` };
  }
}

function parseTarget(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.hostname ? url : undefined;
  } catch {
    return undefined;
  }
}
