// Starts the OpenTelemetry SDK of a process from its telemetry settings: a tracer provider
// (OTLP/HTTP export, and the span-derived run and task metrics), a meter provider (OTLP/HTTP and
// the Prometheus text format), W3C trace context propagation. One per process: a `weft server`
// runs its HTTP server and its worker on the same SDK.

import type { Context } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { WEFT_VERSION } from '../config/version.js';
import { SpanMetricsProcessor } from './span-metrics.js';
import { type TelemetrySettings, telemetryEnabled } from './telemetry-settings.js';
import { bindMetrics, unbindMetrics } from './weft-metrics.js';

/** A started SDK: what a worker needs for workflow spans, the Prometheus handler, and its shutdown. */
export interface Telemetry {
  settings: TelemetrySettings;
  resource: Resource;
  /** Every processor of the tracer provider: workflow spans from the sandbox go through it too. */
  spanProcessor: SpanProcessor;
  /** The Prometheus text format of every metric (WEFT_METRICS=prometheus or a worker metrics port). */
  prometheus?: PrometheusExporter;
  /** Exports what is buffered, then stops; the process's telemetry is off afterwards. */
  shutdown(): Promise<void>;
}

let started: Telemetry | undefined;

/**
 * Starts the SDK once per process (later calls get the same one); undefined when the settings
 * export nothing, so a process without telemetry registers no provider at all.
 */
export function startTelemetry(settings: TelemetrySettings, role: 'server' | 'worker'): Telemetry | undefined {
  if (started) return started;
  if (!telemetryEnabled(settings)) return undefined;
  const resource = detectResourcesSync({ detectors: [envDetectorSync] }).merge(
    new Resource({ 'service.name': settings.serviceName, 'service.version': WEFT_VERSION, 'weft.process.role': role }),
  );
  const processors: SpanProcessor[] = [new SpanMetricsProcessor()];
  // Batching as OTEL_BSP_* say (default: every 5 s, or at 512 spans).
  // Protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL=http/json: the OpenTelemetry default.
  const json = settings.otlpProtocol === 'http/json';
  if (settings.tracesUrl) {
    const url = settings.tracesUrl;
    processors.push(new BatchSpanProcessor(json ? new JsonTraceExporter({ url }) : new ProtobufTraceExporter({ url })));
  }
  const spanProcessor = new AllProcessors(processors);
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Also installs the async-hooks context manager and the W3C trace-context propagator.
  tracerProvider.register();
  const readers: MetricReader[] = [];
  if (settings.metricsUrl) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: json ? new JsonMetricExporter({ url: settings.metricsUrl }) : new ProtobufMetricExporter({ url: settings.metricsUrl }),
        exportIntervalMillis: settings.metricsIntervalMs,
      }),
    );
  }
  const prometheus = settings.prometheus || settings.workerMetricsPort !== undefined ? new PrometheusExporter({ preventServerStart: true }) : undefined;
  if (prometheus) readers.push(prometheus);
  const meterProvider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meterProvider);
  bindMetrics(meterProvider.getMeter('weft', WEFT_VERSION));
  const telemetry: Telemetry = {
    settings,
    resource,
    spanProcessor,
    ...(prometheus ? { prometheus } : {}),
    async shutdown() {
      if (started !== telemetry) return;
      started = undefined;
      unbindMetrics();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
  started = telemetry;
  return telemetry;
}

/** Hands every span to each processor, so the workflow exporter sink reaches them all with one. */
class AllProcessors implements SpanProcessor {
  constructor(private readonly processors: readonly SpanProcessor[]) {}

  onStart(span: Span, parentContext: Context): void {
    for (const p of this.processors) p.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}
