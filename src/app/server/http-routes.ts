// What every Weft HTTP server serves beside /mcp: webhooks, the JSON API, the Prometheus metrics
// when WEFT_METRICS=prometheus, and the web console.
// `weft server`, `weft dev`, the background service and `weft mcp --http` share this one list,
// so no face of Weft serves MCP without the rest.

import { WEFT_TOOLS } from '../../../mcp/build-server.js';
import type { HttpRoute } from '../../../mcp/http-server.js';
import type { McpServices } from '../../../mcp/services.js';
import { apiRoute } from '../../adapters/http/api/api-handler.js';
import { consoleRoute } from '../../adapters/http/console/console-route.js';
import { type MetricsSource, metricsRoute } from '../../adapters/http/metrics-route.js';
import { HOOKS_PREFIX, webhookRoute } from '../../adapters/http/webhook-route.js';
import type { ServicesContext } from '../../services/services-context.js';
import { WebhookService } from '../../services/triggers/webhook-service.js';

/** `metrics`: the telemetry SDK's Prometheus exporter, when WEFT_METRICS=prometheus (GET /metrics). */
export async function weftHttpRoutes(
  services: ServicesContext,
  served: McpServices,
  progress: (line: string) => void,
  metrics?: MetricsSource,
): Promise<HttpRoute[]> {
  const webhooks = new WebhookService(await services.flows(), await services.runs(), await services.secretSource(), { log: progress });
  return [
    { prefix: HOOKS_PREFIX, handle: webhookRoute(webhooks, progress) },
    apiRoute({ services: served, tools: WEFT_TOOLS, log: progress }),
    ...(metrics ? [metricsRoute(metrics)] : []),
    // Last: it answers `/` and the console's pages, never /mcp.
    consoleRoute(),
  ];
}
