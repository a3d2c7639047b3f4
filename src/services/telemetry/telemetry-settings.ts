// What telemetry a process exports, read once from the standard OTEL_* variables and Weft's own
// (WEFT_METRICS, WEFT_WORKER_METRICS_PORT). With none of them set, telemetry is off and costs
// nothing: no SDK starts, the workflow bundle carries no interceptors.

import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

/** Where metrics are served besides OTLP: `prometheus` adds GET /metrics on the HTTP server. */
export const METRICS_MODES = ['off', 'prometheus'] as const;
export type MetricsMode = (typeof METRICS_MODES)[number];

/** OTLP/HTTP body encodings Weft's exporters speak; protobuf is the OpenTelemetry default. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface TelemetrySettings {
  /** OTLP/HTTP traces endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
  tracesUrl?: string;
  /** OTLP/HTTP metrics endpoint (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics). */
  metricsUrl?: string;
  /** OTEL_EXPORTER_OTLP_PROTOCOL: the OTLP/HTTP body, protobuf (default) or JSON. */
  otlpProtocol: OtlpProtocol;
  /** OTEL_METRIC_EXPORT_INTERVAL in milliseconds, default 60000. */
  metricsIntervalMs: number;
  /** WEFT_METRICS=prometheus: the Prometheus text format at GET /metrics of the HTTP server. */
  prometheus: boolean;
  /** WEFT_WORKER_METRICS_PORT: a standalone worker's own /metrics port (loopback). */
  workerMetricsPort?: number;
  /** OTEL_SERVICE_NAME, default `weft`. */
  serviceName: string;
}

/** Whether anything is exported: false means no SDK, no interceptors, no instruments. */
export function telemetryEnabled(settings: TelemetrySettings): boolean {
  return Boolean(settings.tracesUrl || settings.metricsUrl || settings.prometheus || settings.workerMetricsPort !== undefined);
}

const Port = z.coerce.number().int().min(0).max(65535);
const Interval = z.coerce.number().int().min(100);

/** Reads the telemetry settings; a malformed value throws a ConfigError naming the variable. */
export function loadTelemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  const disabled = value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const protocol = value('OTEL_EXPORTER_OTLP_PROTOCOL');
  const base = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl =
    disabled || value('OTEL_TRACES_EXPORTER') === 'none'
      ? undefined
      : (endpoint(value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? signalUrl(base, 'traces'));
  const metricsUrl =
    disabled || value('OTEL_METRICS_EXPORTER') === 'none'
      ? undefined
      : (endpoint(value('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'), 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? signalUrl(base, 'metrics'));
  if ((tracesUrl || metricsUrl) && protocol && !(OTLP_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf (got "${protocol}")`,
      'Weft exports OTLP over HTTP (port 4318 on a collector); point OTEL_EXPORTER_OTLP_ENDPOINT at that port',
    );
  }
  const metrics = value('WEFT_METRICS') ?? 'off';
  if (!(METRICS_MODES as readonly string[]).includes(metrics))
    throw new ConfigError(`WEFT_METRICS must be one of ${METRICS_MODES.join(', ')} (got "${metrics}")`);
  const port = value('WEFT_WORKER_METRICS_PORT');
  const parsedPort = port === undefined ? undefined : Port.safeParse(port);
  if (parsedPort && !parsedPort.success) throw new ConfigError(`WEFT_WORKER_METRICS_PORT must be a port number 0-65535 (got "${port}")`);
  const interval = value('OTEL_METRIC_EXPORT_INTERVAL');
  const parsedInterval = interval === undefined ? undefined : Interval.safeParse(interval);
  if (parsedInterval && !parsedInterval.success)
    throw new ConfigError(`OTEL_METRIC_EXPORT_INTERVAL must be a whole number of milliseconds >= 100 (got "${interval}")`);
  return {
    ...(tracesUrl ? { tracesUrl } : {}),
    ...(metricsUrl ? { metricsUrl } : {}),
    otlpProtocol: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    metricsIntervalMs: parsedInterval?.data ?? 60_000,
    prometheus: !disabled && metrics === 'prometheus',
    ...(parsedPort && !disabled ? { workerMetricsPort: parsedPort.data } : {}),
    serviceName: value('OTEL_SERVICE_NAME') ?? 'weft',
  };
}

function endpoint(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) throw new ConfigError(`${name} must be an http(s) URL (got "${text}")`);
  return text;
}

/** The per-signal URL of a base endpoint, as the OTLP exporter specification builds it. */
function signalUrl(base: string | undefined, signal: 'traces' | 'metrics'): string | undefined {
  const url = endpoint(base, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return url === undefined ? undefined : `${url.replace(/\/+$/, '')}/v1/${signal}`;
}
