// A loopback OTLP/HTTP receiver for telemetry tests, protobuf or JSON bodies as the exporter's
// content type says: keeps every exported span (in the JSON encoding's shape), the paths posted
// to and the content types, and finds spans by trace, name and attribute.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import otlpProto from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
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
  /** Content types of the exports received: application/x-protobuf or application/json. */
  contentTypes: Set<string>;
  /** The spans of a trace, once every name in `names` has arrived. */
  traceOf(traceId: string, names: readonly string[]): Promise<OtlpSpan[]>;
  /** Spans named `name` whose `key` attribute is `value`, once `count` of them have arrived. */
  spansWith(name: string, key: string, value: string, count?: number): Promise<OtlpSpan[]>;
  close(): void;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: OtlpSpan[] = [];
  const paths = new Set<string>();
  const contentTypes = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      paths.add(req.url ?? '');
      const type = req.headers['content-type'] ?? '';
      contentTypes.add(type);
      const protobuf = type.startsWith('application/x-protobuf');
      if (req.url === '/v1/traces') {
        const body = protobuf ? tracesFromProtobuf(Buffer.concat(chunks)) : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces);
        for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans.push(...(s.spans ?? []));
      }
      // An empty export response: zero bytes of protobuf, or an empty JSON object.
      if (protobuf) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const url = await listen(server);
  return {
    url,
    spans,
    paths,
    contentTypes,
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

interface ProtobufMessageType {
  decode(body: Uint8Array): object;
  toObject(message: object, options: Record<string, unknown>): unknown;
}
// The exporter's own generated protobuf code, typed by the package as a bare protobufjs Root.
const TraceRequest = (
  otlpProto as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtobufMessageType } } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** A protobuf export as the JSON encoding spells it: ids in hex, 64-bit numbers as strings. */
function tracesFromProtobuf(body: Buffer): OtlpTraces {
  const object = TraceRequest.toObject(TraceRequest.decode(body), { longs: String, bytes: Array, defaults: false }) as OtlpTraces;
  for (const r of object.resourceSpans ?? [])
    for (const s of r.scopeSpans ?? [])
      for (const span of s.spans ?? []) {
        const raw = span as unknown as Record<string, unknown>;
        for (const id of ['traceId', 'spanId', 'parentSpanId'] as const) {
          const bytes = raw[id] as number[] | undefined;
          if (bytes === undefined) continue;
          if (bytes.length === 0) delete raw[id];
          else raw[id] = Buffer.from(bytes).toString('hex');
        }
      }
  return object;
}
