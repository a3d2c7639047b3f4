// What a worker with telemetry adds to its options: Temporal's activity interceptors (an activity
// span under the span the workflow sent along), the queue-wait metric, and the sink through which
// workflow spans leave the sandbox. Imported only when telemetry is on.

import type { Context as ActivityContext } from '@temporalio/activity';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
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
    sinks: { exporter: makeWorkflowExporter(telemetry.spanProcessor, telemetry.resource) },
  };
}
