// A server span and the latency metric of one MCP, API or webhook request. A caller's W3C `traceparent`
// header becomes the span's parent, so the runs the request starts join the caller's trace. Only
// method, route and status are recorded: paths carry run ids, headers carry keys.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { recordRequestDuration, telemetryActive } from './weft-metrics.js';

const tracer = trace.getTracer('weft');

/** Runs `handle` for a request of `route` (`mcp`, `api`, `hooks`); without telemetry, or for other routes, it only runs it. */
export function observeRequest(req: IncomingMessage, res: ServerResponse, route: string | undefined, handle: () => Promise<void>): Promise<void> {
  if (route === undefined || !telemetryActive()) return handle();
  const method = req.method ?? 'GET';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(
    `${method} /${route}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': `/${route}` } },
    parent,
  );
  const started = performance.now();
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    recordRequestDuration(route, method, res.statusCode, (performance.now() - started) / 1000);
  });
  return context.with(trace.setSpan(parent, span), handle);
}

/**
 * Runs `fn` under the trace context of an MCP request's `_meta` (`traceparent`, `tracestate`), for
 * stdio, which has no headers. A request that already runs in a span (MCP over HTTP, whose
 * headers were read) keeps it.
 */
export function withRequestMeta<T>(meta: Record<string, unknown> | undefined, fn: () => Promise<T>): Promise<T> {
  const traceparent = meta?.traceparent;
  if (typeof traceparent !== 'string' || !telemetryActive() || trace.getActiveSpan()) return fn();
  const carrier: Record<string, string> = { traceparent };
  if (typeof meta?.tracestate === 'string') carrier.tracestate = meta.tracestate;
  return context.with(propagation.extract(ROOT_CONTEXT, carrier), fn);
}
