// Weft's metric instruments and the one function per thing measured. Until the telemetry SDK
// binds a meter (telemetry-sdk.ts), every record call is one undefined check: a process without
// telemetry pays nothing more. Labels are names and states only, never values a flow supplies.

import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** Metric names, as exported over OTLP (Prometheus shows dots as underscores, counters with `_total`). */
export const METRIC_NAMES = {
  runsStarted: 'weft.runs.started',
  runsCompleted: 'weft.runs.completed',
  runsFailed: 'weft.runs.failed',
  taskDuration: 'weft.task.duration',
  activityQueueWait: 'weft.activity.queue_wait',
  limitWait: 'weft.limit.wait',
  modelTokens: 'weft.model.tokens',
  modelCost: 'weft.model.cost',
  requestDuration: 'weft.http.server.duration',
} as const;

interface Instruments {
  runsStarted: Counter;
  runsCompleted: Counter;
  runsFailed: Counter;
  taskDuration: Histogram;
  activityQueueWait: Histogram;
  limitWait: Histogram;
  modelTokens: Counter;
  modelCost: Counter;
  requestDuration: Histogram;
}

/** Histogram buckets in seconds: a `set` task ends in 0, a model call takes seconds, an approval hours. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];

let instruments: Instruments | undefined;

/** Creates the instruments on `meter`; called once by the telemetry SDK when it starts. */
export function bindMetrics(meter: Meter): void {
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } };
  instruments = {
    runsStarted: meter.createCounter(METRIC_NAMES.runsStarted, { description: 'Runs started, by flow and trigger' }),
    runsCompleted: meter.createCounter(METRIC_NAMES.runsCompleted, { description: 'Runs that completed, by flow' }),
    runsFailed: meter.createCounter(METRIC_NAMES.runsFailed, { description: 'Runs that failed or were cancelled, by flow' }),
    taskDuration: meter.createHistogram(METRIC_NAMES.taskDuration, { ...seconds, description: 'Task run durations in workflow time, by task type and state' }),
    activityQueueWait: meter.createHistogram(METRIC_NAMES.activityQueueWait, {
      ...seconds,
      description: 'Time an activity attempt waited in the task queue before a worker started it, by activity type',
    }),
    limitWait: meter.createHistogram(METRIC_NAMES.limitWait, {
      ...seconds,
      description: 'Time a run or task waited for a slot of its flow concurrency or a named limit (workflow time), by kind, limit and outcome',
    }),
    modelTokens: meter.createCounter(METRIC_NAMES.modelTokens, { description: 'Model tokens of llm and agent tasks, by provider, model and direction' }),
    modelCost: meter.createCounter(METRIC_NAMES.modelCost, {
      unit: 'USD',
      description: 'Estimated model cost of llm and agent tasks (WEFT_LLM_PRICES), by provider and model',
    }),
    requestDuration: meter.createHistogram(METRIC_NAMES.requestDuration, {
      ...seconds,
      description: 'MCP, API and webhook request latency, by route, method and status',
    }),
  };
}

/** Forgets the instruments (the SDK shut down). */
export function unbindMetrics(): void {
  instruments = undefined;
}

export function recordRunStarted(flow: string, trigger: string): void {
  instruments?.runsStarted.add(1, { flow, trigger });
}

/** A run's workflow ended; `failed` covers failed and cancelled runs. */
export function recordRunEnded(flow: string, failed: boolean): void {
  (failed ? instruments?.runsFailed : instruments?.runsCompleted)?.add(1, { flow });
}

export function recordTaskDuration(taskType: string, state: string, seconds: number): void {
  instruments?.taskDuration.record(seconds, { task_type: taskType, state });
}

export function recordActivityQueueWait(activityType: string, seconds: number): void {
  instruments?.activityQueueWait.record(seconds, { activity_type: activityType });
}

/**
 * One wait for a limit's slot: `kind` is `limit` (a task's named limit, `limit` its name) or
 * `concurrency` (a run's flow concurrency, `limit` the flow); `outcome` how it ended.
 */
export function recordLimitWait(kind: string, limit: string, outcome: string, seconds: number): void {
  instruments?.limitWait.record(seconds, { kind, limit, outcome });
}

/** One model call's usage; `costUsd` only when WEFT_LLM_PRICES knows the model. */
export function recordModelUsage(provider: string, model: string, usage: { inputTokens: number; outputTokens: number; costUsd?: number | undefined }): void {
  if (!instruments) return;
  instruments.modelTokens.add(usage.inputTokens, { provider, model, direction: 'input' });
  instruments.modelTokens.add(usage.outputTokens, { provider, model, direction: 'output' });
  if (usage.costUsd !== undefined) instruments.modelCost.add(usage.costUsd, { provider, model });
}

/** `route` is `mcp`, `api` or `hooks`, never the path: paths carry run ids and flow names. */
export function recordRequestDuration(route: string, method: string, status: number, seconds: number): void {
  instruments?.requestDuration.record(seconds, { route, method, status });
}

/** Whether the telemetry SDK runs in this process: callers skip spans and timing otherwise. */
export function telemetryActive(): boolean {
  return instruments !== undefined;
}
