// A real HTTP server on loopback for tests: records requests, tracks concurrency, and answers
// by route.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Route = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** Highest number of requests in flight at once, per path prefix given to `route`. */
  maxInFlight: Map<string, number>;
  route(prefix: string, handler: Route): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startHttpServer(): Promise<TestHttpServer> {
  const routes: Array<[string, Route]> = [];
  const inFlight = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const maxInFlight = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() };
    requests.push(recorded);
    const match = routes.find(([prefix]) => recorded.url.startsWith(prefix));
    if (!match) return json(res, 404, { error: `no route for ${recorded.url}` });
    const [prefix, handler] = match;
    const now = (inFlight.get(prefix) ?? 0) + 1;
    inFlight.set(prefix, now);
    maxInFlight.set(prefix, Math.max(maxInFlight.get(prefix) ?? 0, now));
    try {
      await handler(recorded, res);
    } finally {
      inFlight.set(prefix, (inFlight.get(prefix) ?? 1) - 1);
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight,
    route: (prefix, handler) => routes.push([prefix, handler]),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
