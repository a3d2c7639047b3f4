// Workflow interceptors of the telemetry bundle (workflow-bundle.ts): Temporal's OpenTelemetry
// span of the workflow's execution (the run's span) and of what it schedules, and Weft's span of
// each task run between them, the parent of the activities the task schedules. They add spans and
// headers, never a command, so histories recorded without telemetry replay with it (the replay
// test runs every recorded history on this bundle too).

import { type Context, context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import {
  type ActivityInput,
  type Next,
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

/** One workflow execution's run context and open task spans, by task run key. */
interface RunSpans {
  runContext: Context;
  open: Map<string, Span>;
}

/**
 * Per execution (Temporal run id). The bundle's modules are shared by every workflow of a worker's
 * V8 context, so state is keyed, and dropped when the execution leaves the cache.
 */
const executions = new Map<string, RunSpans>();

function spansOf(run: ObservedRun): RunSpans {
  const key = workflowInfo().runId;
  let spans = executions.get(key);
  if (!spans) {
    // The first task starts inside the workflow's execute span, which is the run's span.
    const runContext = context.active();
    trace.getSpan(runContext)?.setAttributes({ [SPAN_ATTRIBUTES.runId]: run.runId, [SPAN_ATTRIBUTES.flow]: run.flow });
    spans = { runContext, open: new Map() };
    executions.set(key, spans);
  }
  return spans;
}

const taskSpans: TaskRunObserver = {
  started(run: ObservedRun, task: ObservedTask, attempt: number): void {
    const spans = spansOf(run);
    const key = taskRunKey(task.id, task.iteration);
    const open = spans.open.get(key);
    if (open) {
      open.setAttribute(SPAN_ATTRIBUTES.taskAttempts, attempt);
      return;
    }
    const span = trace.getTracer('weft').startSpan(
      taskSpanName(task.id),
      {
        attributes: {
          [SPAN_ATTRIBUTES.runId]: run.runId,
          [SPAN_ATTRIBUTES.flow]: run.flow,
          [SPAN_ATTRIBUTES.taskId]: task.id,
          [SPAN_ATTRIBUTES.taskType]: task.type,
          [SPAN_ATTRIBUTES.taskAttempts]: attempt,
          ...(task.iteration?.length ? { [SPAN_ATTRIBUTES.taskIteration]: task.iteration.join(',') } : {}),
        },
      },
      spans.runContext,
    );
    spans.open.set(key, span);
  },
  ended(run: ObservedRun, task: ObservedTask, state: ObservedEnd, attempts: number): void {
    const spans = spansOf(run);
    const key = taskRunKey(task.id, task.iteration);
    const span = spans.open.get(key);
    if (!span) return;
    spans.open.delete(key);
    span.setAttributes({ [SPAN_ATTRIBUTES.taskState]: state, [SPAN_ATTRIBUTES.taskAttempts]: attempts });
    if (state === 'FAILED') span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  },
};

/** The open task span of an activity id `<task run key>#<attempt>`, if it is a task's. */
function taskSpanOf(activityId: string | undefined): Span | undefined {
  if (!activityId) return undefined;
  const hash = activityId.lastIndexOf('#');
  if (hash < 0) return undefined;
  return executions.get(workflowInfo().runId)?.open.get(activityId.slice(0, hash));
}

/** Runs `next` with the task's span active, so Temporal's interceptor parents the activity under it. */
function underTaskSpan<T>(activityId: string | undefined, next: () => T): T {
  const span = taskSpanOf(activityId);
  return span ? context.with(trace.setSpan(context.active(), span), next) : next();
}

class TaskSpanOutbound implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return underTaskSpan(input.options.activityId, () => next(input));
  }
}

class ForgetExecution implements WorkflowInternalsInterceptor {
  constructor(private readonly key: string) {}

  dispose(input: Parameters<NonNullable<WorkflowInternalsInterceptor['dispose']>>[0], next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    executions.delete(this.key);
    next(input);
  }
}

/**
 * Only the execution span of Temporal's inbound interceptor: its spans around update and signal
 * handlers add awaits that move the handlers' commands (an approval's search-attribute upsert),
 * which breaks the replay of a history recorded without them.
 */
class RunSpanInbound implements WorkflowInboundCallsInterceptor {
  private readonly otel = new OpenTelemetryInboundInterceptor();

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return this.otel.execute(input, next);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  observeTaskRuns(taskSpans);
  return {
    inbound: [new RunSpanInbound()],
    // Ours first: the task span must be active when Temporal's opens the activity's span.
    outbound: [new TaskSpanOutbound(), new OpenTelemetryOutboundInterceptor()],
    internals: [new ForgetExecution(workflowInfo().runId), new OpenTelemetryInternalsInterceptor()],
  };
};
