// A loopback OTLP/HTTP receiver (JSON) for telemetry tests: keeps every exported span and the
// paths posted to, and finds spans by trace, name and attribute.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[];
}

interface OtlpTraces {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** A caller's W3C trace context: a fresh trace id and a parent span id. */
export function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** An attribute's value as text (numbers and booleans too), or undefined. */
export function attribute(span: OtlpSpan, key: string): string | undefined {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  if (value?.boolValue !== undefined) return String(value.boolValue);
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : String(value.intValue));
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface OtlpReceiver {
  url: string;
  spans: OtlpSpan[];
  paths: Set<string>;
  /** The spans of a trace, once every name in `names` has arrived. */
  traceOf(traceId: string, names: readonly string[]): Promise<OtlpSpan[]>;
  /** Spans named `name` whose `key` attribute is `value`, once `count` of them have arrived. */
  spansWith(name: string, key: string, value: string, count?: number): Promise<OtlpSpan[]>;
  close(): void;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const paths = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.add(req.url ?? '');
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces;
        for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans.push(...(s.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const url = await listen(server);
  return {
    url,
    spans,
    paths,
    traceOf: (traceId, names) =>
      waitFor(
        `spans ${names.join(', ')} of trace ${traceId} at the OTLP receiver`,
        async () => {
          const trace = spans.filter((s) => s.traceId === traceId);
          return names.every((name) => trace.some((s) => s.name === name)) ? trace : undefined;
        },
        30_000,
        200,
      ),
    spansWith: (name, key, value, count = 1) =>
      waitFor(
        `${count} span(s) ${name} with ${key}=${value} at the OTLP receiver`,
        async () => {
          const found = spans.filter((s) => s.name === name && attribute(s, key) === value);
          return found.length >= count ? found : undefined;
        },
        30_000,
        200,
      ),
    close: () => server.close(),
  };
}
