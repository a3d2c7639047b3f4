// GET /metrics: the Prometheus text format of the process's metrics (WEFT_METRICS=prometheus).
// Where the server asks for keys, a key not limited to one namespace: the counts name every
// flow, which a read key can already list; on a loopback bind without keys it is open like /mcp.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, type HttpRoute } from '../../../mcp/http-server.js';

export const METRICS_PATH = '/metrics';

/** What serves the text format: the Prometheus exporter of the telemetry SDK. */
export interface MetricsSource {
  getMetricsRequestHandler(req: IncomingMessage, res: ServerResponse): void;
}

export function metricsRoute(source: MetricsSource): HttpRoute {
  return {
    prefix: METRICS_PATH,
    matches: (pathname) => pathname === METRICS_PATH,
    async handle(req, res, checks) {
      const refuse = (status: number, message: string) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
      if (req.method !== 'GET' && req.method !== 'HEAD') return void refuse(405, 'method not allowed; GET /metrics');
      if (!checks.hostAllowed(req.headers.host)) return void refuse(403, 'host header not allowed');
      let access: Awaited<ReturnType<typeof checks.authenticate>>;
      try {
        access = await checks.authenticate(bearerToken(req));
      } catch {
        res.setHeader('www-authenticate', 'Bearer realm="weft"');
        return void refuse(401, 'unauthorized: send a Weft API key as Authorization: Bearer weft_…');
      }
      if (access.namespace !== undefined || !access.toolVisible('list_runs'))
        return void refuse(403, 'metrics cover every namespace: use a key not limited to one');
      source.getMetricsRequestHandler(req, res);
    },
  };
}
