// A standalone worker's own GET /metrics (WEFT_WORKER_METRICS_PORT), on loopback: a worker has
// no HTTP server, and its run, task, activity and model metrics live in its process.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from '../../adapters/http/metrics-route.js';

export interface MetricsPort {
  url: string;
  close(): Promise<void>;
}

/** Serves the Prometheus text format at http://127.0.0.1:<port>/metrics (0 picks a free port). */
export async function serveMetricsPort(source: MetricsSource, port: number): Promise<MetricsPort> {
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found; GET /metrics\n');
      return;
    }
    source.getMetricsRequestHandler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
