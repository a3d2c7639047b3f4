// What a worker with telemetry adds to its options: Temporal's activity interceptors (an activity
// span under the span the workflow sent along), the queue-wait metric, and the sink through which
// workflow spans leave the sandbox. Imported only when telemetry is on.

import { createTraceState, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, InjectedSinks, Next } from '@temporalio/worker';
import type { Telemetry } from '../../services/telemetry/telemetry-sdk.js';
import { recordActivityQueueWait } from '../../services/telemetry/weft-metrics.js';

/** Records how long the attempt waited between being scheduled and a worker starting it. */
class QueueWaitInbound implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext) {}

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { activityType, currentAttemptScheduledTimestampMs } = this.ctx.info;
    recordActivityQueueWait(activityType, Math.max(0, Date.now() - currentAttemptScheduledTimestampMs) / 1000);
    return next(input);
  }
}

export interface WorkerTelemetryOptions {
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export function workerTelemetryOptions(telemetry: Telemetry): WorkerTelemetryOptions {
  return {
    activityInterceptors: [
      (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
      (ctx) => ({ inbound: new QueueWaitInbound(ctx) }),
    ],
    sinks: {
      exporter: {
        export: {
          fn: (info, spans) => {
            const ids = { temporalWorkflowId: info.workflowId, run_id: info.runId, temporalWorkflowType: info.workflowType };
            for (const span of spans) telemetry.spanProcessor.onEnd(readableSpan(span, ids, telemetry.resource));
          },
          // Spans a replay recreates were exported when their workflow task first ran.
          callDuringReplay: false,
        },
      },
    },
  };
}

/**
 * A span from the sandbox as the SDK's processors take it. Temporal's own exporter adds the whole
 * workflow info (memo, search attributes, ...) to every span's attributes, which costs a large
 * encoding per span; the ids that find the workflow are enough.
 */
function readableSpan(serialized: SerializableSpan, ids: Record<string, string>, resource: Resource): ReadableSpan {
  const { spanContext: serializedContext, attributes, ...rest } = serialized;
  const { traceState, ...context } = serializedContext;
  const spanContext: SpanContext = { ...context, ...(traceState ? { traceState: createTraceState(traceState) } : {}) };
  return { ...rest, attributes: { ...attributes, ...ids }, resource, spanContext: () => spanContext };
}
