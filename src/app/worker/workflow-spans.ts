// Span records of the telemetry bundle's workflow interceptors (workflow-telemetry.ts): plain
// objects handed to the worker through the `exporter` sink when they end, and W3C trace context in
// Temporal's header format. No OpenTelemetry package is loaded into the sandbox: the bundle's
// modules are evaluated again for every new workflow, and the SDK's tracer there cost a short run
// about a fifth of its time (bench workload 15).

import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import { type ActivityInput, defaultPayloadConverter, proxySinks, type Sinks, type WorkflowExecuteInput } from '@temporalio/workflow';

/** The header Temporal's OpenTelemetry interceptors carry trace context in (a JSON payload of W3C fields). */
const TRACE_HEADER = '_tracer-data';
/** OpenTelemetry's SpanKind and SpanStatusCode values, as numbers: the enums' packages stay out of the sandbox. */
export const SPAN_KIND_INTERNAL = 0;
export const SPAN_KIND_SERVER = 1;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

interface TelemetrySinks extends Sinks {
  exporter: { export(spans: SerializableSpan[]): void };
}

const { exporter } = proxySinks<TelemetrySinks>();

/** A span being recorded: its context, and what its serialized form needs at the end. */
export interface OpenSpan {
  traceId: string;
  spanId: string;
  traceFlags: number;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startMs: number;
  attributes: Record<string, string | number | boolean>;
}

/** Hex of `bytes` random bytes from the workflow's seeded source (the same on every replay). */
function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

export function startSpan(name: string, parent: { traceId: string; spanId: string | undefined; traceFlags: number } | undefined, kind: number): OpenSpan {
  return {
    traceId: parent?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    traceFlags: parent?.traceFlags ?? 1,
    parentSpanId: parent?.spanId,
    name,
    kind,
    startMs: Date.now(),
    attributes: {},
  };
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];

/** Hands an ended span to the worker. Sampled-out spans (flags 0) end silently. */
export function endSpan(span: OpenSpan, failed: boolean): void {
  if ((span.traceFlags & 1) === 0) return;
  const endMs = Date.now();
  exporter.export([
    {
      name: span.name,
      kind: span.kind,
      spanContext: { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags },
      ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
      startTime: hrTime(span.startMs),
      endTime: hrTime(endMs),
      duration: hrTime(endMs - span.startMs),
      status: { code: failed ? STATUS_ERROR : STATUS_UNSET },
      attributes: span.attributes,
      links: [],
      events: [],
      ended: true,
      droppedAttributesCount: 0,
      droppedLinksCount: 0,
      droppedEventsCount: 0,
      instrumentationLibrary: { name: 'weft' },
    },
  ]);
}

/** The W3C parent in a workflow's start headers (Temporal's client interceptor puts it there). */
export function parentOf(headers: WorkflowExecuteInput['headers']): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(payload);
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '');
  if (!match) return undefined;
  return { traceId: match[1] as string, spanId: match[2] as string, traceFlags: Number.parseInt(match[3] as string, 16) };
}

/** Headers carrying `span` as the parent of what they start. */
export function withParent<H extends ActivityInput['headers']>(headers: H, span: OpenSpan): H {
  const traceparent = `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) };
}
