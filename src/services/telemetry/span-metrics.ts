// Run, task and limit-wait metrics read off ended spans: the workflow sandbox cannot reach a meter,
// but its spans leave through the worker's exporter sink, carrying the flow, task type and state,
// and the limit waited for.

import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SPAN_ATTRIBUTES } from './span-attributes.js';
import { recordLimitWait, recordRunEnded, recordTaskDuration } from './weft-metrics.js';

/** Span name prefix of a workflow execution (Temporal's interceptors name it `RunWorkflow:<type>`). */
const RUN_SPAN_PREFIX = 'RunWorkflow:';

export class SpanMetricsProcessor implements SpanProcessor {
  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes;
    const [s, ns] = span.duration;
    const taskType = attributes[SPAN_ATTRIBUTES.taskType];
    if (typeof taskType === 'string') {
      recordTaskDuration(taskType, String(attributes[SPAN_ATTRIBUTES.taskState] ?? 'UNKNOWN'), s + ns / 1e9);
      return;
    }
    const limitKind = attributes[SPAN_ATTRIBUTES.limitKind];
    if (typeof limitKind === 'string') {
      const outcome = String(attributes[SPAN_ATTRIBUTES.limitOutcome] ?? 'UNKNOWN');
      recordLimitWait(limitKind, String(attributes[SPAN_ATTRIBUTES.limitName] ?? ''), outcome, s + ns / 1e9);
      return;
    }
    const flow = attributes[SPAN_ATTRIBUTES.flow];
    if (typeof flow === 'string' && span.name.startsWith(RUN_SPAN_PREFIX)) recordRunEnded(flow, span.status.code === SpanStatusCode.ERROR);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
