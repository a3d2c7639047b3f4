// Workflow interceptors of the telemetry bundle (workflow-bundle.ts): the span of a run's
// execution, one span per task run, and W3C trace context in the headers of the activities and
// child runs the workflow starts, in the format of Temporal's OpenTelemetry interceptors (whose
// activity and client halves the worker and client use). Spans are plain records handed to the
// worker through the `exporter` sink when they end. No OpenTelemetry package is loaded into the
// sandbox: the bundle's modules are evaluated again for every new workflow, and the SDK's tracer
// there cost a short run about a fifth of its time (bench workload 15). They add spans and
// headers, never a command or an await, so histories replay the same with or without them.

import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import {
  type ActivityInput,
  defaultPayloadConverter,
  type LocalActivityInput,
  type Next,
  proxySinks,
  type Sinks,
  type StartChildWorkflowExecutionInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
import { type ObservedEnd, type ObservedRun, type ObservedTask, observeTaskRuns, type TaskRunObserver } from '../../../workflows/task-observers.js';
import { taskRunKey } from '../../core/runs/run-types.js';
import { SPAN_ATTRIBUTES, taskSpanName } from '../../services/telemetry/span-attributes.js';

/** The header Temporal's OpenTelemetry interceptors carry trace context in (a JSON payload of W3C fields). */
const TRACE_HEADER = '_tracer-data';
/** OpenTelemetry's SpanKind and SpanStatusCode values, as numbers: the enums' packages stay out of the sandbox. */
const SPAN_KIND_INTERNAL = 0;
const SPAN_KIND_SERVER = 1;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

interface TelemetrySinks extends Sinks {
  exporter: { export(spans: SerializableSpan[]): void };
}

const { exporter } = proxySinks<TelemetrySinks>();

/** A span being recorded: its context, and what its serialized form needs at the end. */
interface OpenSpan {
  traceId: string;
  spanId: string;
  traceFlags: number;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startMs: number;
  attributes: Record<string, string | number>;
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

function startSpan(name: string, parent: { traceId: string; spanId: string | undefined; traceFlags: number } | undefined, kind: number): OpenSpan {
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
function endSpan(span: OpenSpan, failed: boolean): void {
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
function parentOf(headers: WorkflowExecuteInput['headers']): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  const carrier = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(payload);
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(carrier?.traceparent ?? '');
  if (!match) return undefined;
  return { traceId: match[1] as string, spanId: match[2] as string, traceFlags: Number.parseInt(match[3] as string, 16) };
}

/** Headers carrying `span` as the parent of what they start. */
function withParent<H extends ActivityInput['headers']>(headers: H, span: OpenSpan): H {
  const traceparent = `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
  return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent }) };
}

/** One execution's run span and open task spans, by task run key. */
interface Execution {
  run: OpenSpan;
  tasks: Map<string, OpenSpan>;
}

/**
 * Per execution (Temporal run id). The interceptor modules of a bundle are evaluated for each
 * workflow, but kept in one map anyway in case the SDK shares them: dropped on dispose.
 */
const executions = new Map<string, Execution>();

const current = (): Execution | undefined => executions.get(workflowInfo().runId);

const taskSpans: TaskRunObserver = {
  started(run: ObservedRun, task: ObservedTask, attempt: number): void {
    const execution = current();
    if (!execution) return;
    execution.run.attributes[SPAN_ATTRIBUTES.runId] = run.runId;
    execution.run.attributes[SPAN_ATTRIBUTES.flow] = run.flow;
    const key = taskRunKey(task.id, task.iteration);
    const open = execution.tasks.get(key);
    if (open) {
      open.attributes[SPAN_ATTRIBUTES.taskAttempts] = attempt;
      return;
    }
    const span = startSpan(taskSpanName(task.id), execution.run, SPAN_KIND_INTERNAL);
    span.attributes = {
      [SPAN_ATTRIBUTES.runId]: run.runId,
      [SPAN_ATTRIBUTES.flow]: run.flow,
      [SPAN_ATTRIBUTES.taskId]: task.id,
      [SPAN_ATTRIBUTES.taskType]: task.type,
      [SPAN_ATTRIBUTES.taskAttempts]: attempt,
      ...(task.iteration?.length ? { [SPAN_ATTRIBUTES.taskIteration]: task.iteration.join(',') } : {}),
    };
    execution.tasks.set(key, span);
  },
  ended(_run: ObservedRun, task: ObservedTask, state: ObservedEnd, attempts: number): void {
    const execution = current();
    const key = taskRunKey(task.id, task.iteration);
    const span = execution?.tasks.get(key);
    if (!execution || !span) return;
    execution.tasks.delete(key);
    span.attributes[SPAN_ATTRIBUTES.taskState] = state;
    span.attributes[SPAN_ATTRIBUTES.taskAttempts] = attempts;
    endSpan(span, state === 'FAILED');
  },
};

/** The run span: `RunWorkflow:<type>`, as Temporal's interceptor names it, under the starter's span. */
class RunSpanInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = workflowInfo();
    const run = startSpan(`RunWorkflow:${info.workflowType}`, parentOf(input.headers), SPAN_KIND_SERVER);
    executions.set(info.runId, { run, tasks: new Map() });
    const result = next(input);
    // Observing the outcome adds callbacks after the workflow's own, never an await before it.
    result.then(
      () => endSpan(run, false),
      (error: unknown) => endSpan(run, (error as { name?: string } | null)?.name !== 'ContinueAsNew'),
    );
    return result;
  }
}

/** The span a call should run under: its task's span for a task's activity, else the run's. */
function parentSpan(activityId: string | undefined): OpenSpan | undefined {
  const execution = current();
  if (!execution) return undefined;
  const hash = activityId?.lastIndexOf('#') ?? -1;
  return (hash >= 0 && execution.tasks.get((activityId as string).slice(0, hash))) || execution.run;
}

class ContextOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const span = parentSpan(input.options.activityId);
    return next(span ? { ...input, headers: withParent(input.headers, span) } : input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    const span = parentSpan(undefined);
    return next(span ? { ...input, headers: withParent(input.headers, span) } : input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const span = parentSpan(undefined);
    return next(span ? { ...input, headers: withParent(input.headers, span) } : input);
  }
}

class ForgetExecution implements WorkflowInternalsInterceptor {
  constructor(private readonly key: string) {}

  dispose(input: Parameters<NonNullable<WorkflowInternalsInterceptor['dispose']>>[0], next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    executions.delete(this.key);
    next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  observeTaskRuns(taskSpans);
  return {
    inbound: [new RunSpanInbound()],
    outbound: [new ContextOutbound()],
    internals: [new ForgetExecution(workflowInfo().runId)],
  };
};
