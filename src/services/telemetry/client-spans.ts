// Client spans of what an activity calls out to: an http task's requests (with W3C `traceparent`
// sent along, so the called service joins the run's trace) and model calls. Outside a traced
// activity (telemetry off, or a test calling the activity directly) they only run the call.
// Attributes are method, host, port, status and model names: never headers, paths or queries,
// which may carry secrets.

import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('weft');

/**
 * Runs one HTTP exchange in a client span. `send` gets the headers to send: the given ones, plus
 * `traceparent` (and `tracestate`) when traced, unless the flow set a `traceparent` of its own.
 */
export async function tracedHttpRequest<T extends { status: number }>(
  method: string,
  url: URL,
  headers: Headers,
  send: (headers: Headers) => Promise<T>,
): Promise<T> {
  if (!trace.getActiveSpan()) return send(headers);
  const span = tracer.startSpan(`HTTP ${method}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'url.scheme': url.protocol.replace(/:$/, ''),
    },
  });
  let sent = headers;
  if (!headers.has('traceparent')) {
    sent = new Headers(headers);
    propagation.inject(trace.setSpan(context.active(), span), sent, { set: (carrier, key, value) => carrier.set(key, value) });
  }
  return within(span, async () => {
    const response = await send(sent);
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  });
}

/** Usage of a model call, as the provider reported it. */
export interface ModelCallUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Runs one model call (its repairs included) in a client span named after the provider and model. */
export async function tracedModelCall<T extends { usage: ModelCallUsage; model: string }>(provider: string, model: string, call: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()) return call();
  const span = tracer.startSpan(`model ${provider}/${model}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'gen_ai.system': provider, 'gen_ai.request.model': model },
  });
  return within(span, async () => {
    const result = await call();
    span.setAttributes({
      'gen_ai.response.model': result.model,
      'gen_ai.usage.input_tokens': result.usage.inputTokens,
      'gen_ai.usage.output_tokens': result.usage.outputTokens,
    });
    return result;
  });
}

/** Runs `work` in `span`: marked failed when it throws, ended either way. */
async function within<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's kind only: messages may quote a request or a secret. */
function failed(span: Span, error: unknown): void {
  const e = error as { type?: unknown; code?: unknown; name?: unknown };
  const kind = [e.type, e.code, e.name].find((v): v is string => typeof v === 'string') ?? 'Error';
  span.setAttribute('error.type', kind);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
