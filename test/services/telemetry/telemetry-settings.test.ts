// The telemetry settings: which variables turn what on, and the one-line refusal of each bad value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTelemetrySettings, telemetryEnabled } from '../../../src/services/telemetry/telemetry-settings.js';

describe('telemetry settings', () => {
  it('is off when no OTEL endpoint, WEFT_METRICS or worker metrics port is set', () => {
    const settings = loadTelemetrySettings({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    assert.equal(telemetryEnabled(settings), false);
    assert.deepEqual(settings, { otlpProtocol: 'http/protobuf', metricsIntervalMs: 60_000, prometheus: false, serviceName: 'x' });
  });

  it('builds the per-signal URLs from OTEL_EXPORTER_OTLP_ENDPOINT, and a per-signal variable wins', () => {
    const settings = loadTelemetrySettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:4318/custom',
    });
    assert.equal(settings.tracesUrl, 'http://collector:4318/v1/traces');
    assert.equal(settings.metricsUrl, 'http://metrics:4318/custom');
    assert.equal(telemetryEnabled(settings), true);
  });

  it('exports protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL asks for JSON', () => {
    assert.equal(loadTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).otlpProtocol, 'http/protobuf');
    assert.equal(
      loadTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).otlpProtocol,
      'http/protobuf',
    );
    assert.equal(loadTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).otlpProtocol, 'http/json');
  });

  it('leaves a signal out when its exporter is none, and everything out when OTEL_SDK_DISABLED=true', () => {
    const some = loadTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_METRICS_EXPORTER: 'none' });
    assert.equal(some.metricsUrl, undefined);
    assert.equal(some.tracesUrl, 'http://c:4318/v1/traces');
    const none = loadTelemetrySettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      WEFT_METRICS: 'prometheus',
      WEFT_WORKER_METRICS_PORT: '9464',
      OTEL_SDK_DISABLED: 'true',
    });
    assert.equal(telemetryEnabled(none), false);
  });

  it('turns on Prometheus with WEFT_METRICS=prometheus and a worker port with WEFT_WORKER_METRICS_PORT', () => {
    const settings = loadTelemetrySettings({ WEFT_METRICS: 'prometheus', WEFT_WORKER_METRICS_PORT: '9464', OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    assert.equal(settings.prometheus, true);
    assert.equal(settings.workerMetricsPort, 9464);
    assert.equal(settings.metricsIntervalMs, 5000);
    assert.equal(settings.tracesUrl, undefined);
  });

  for (const [env, message] of [
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf (got "grpc")',
    ],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL (got "collector:4318")'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://c' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL (got "ftp://c")'],
    [{ WEFT_METRICS: 'statsd' }, 'WEFT_METRICS must be one of off, prometheus (got "statsd")'],
    [{ WEFT_WORKER_METRICS_PORT: '70000' }, 'WEFT_WORKER_METRICS_PORT must be a port number 0-65535 (got "70000")'],
    [{ OTEL_METRIC_EXPORT_INTERVAL: '10' }, 'OTEL_METRIC_EXPORT_INTERVAL must be a whole number of milliseconds >= 100 (got "10")'],
  ] as const) {
    it(`refuses ${Object.keys(env).at(-1)}: ${message}`, () => {
      assert.throws(
        () => loadTelemetrySettings(env),
        (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && error.message === message,
      );
    });
  }
});
