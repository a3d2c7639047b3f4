// Workflow interceptors of the telemetry bundle (workflow-bundle.ts): the span of a run's
// execution, one span per task run and per limit wait, spans of signal and update handlers and of
// a cancellation, and W3C trace context in the headers of the activities and child runs the
// workflow starts, in the format of Temporal's OpenTelemetry interceptors (whose activity and
// client halves the worker and client use). Spans are plain records (workflow-spans.ts). They add
// spans and headers, never a command or an await, so histories replay the same with or without them.

import {
  type ActivateInput,
  type ActivityInput,
  type LocalActivityInput,
  type Next,
  type SignalInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ObservedEnd,
  type ObservedLimitWait,
  type ObservedRun,
  type ObservedTask,
  type ObservedWaitEnd,
  observeTaskRuns,
  type TaskRunObserver,
} from '../../../workflows/task-observers.js';
import { type ApprovalResponse, FLOW_RUN, taskRunKey } from '../../core/runs/run-types.js';
import { WEFT_FLOW } from '../../core/runs/search-attributes.js';
import { limitWaitSpanName, SPAN_ATTRIBUTES, taskSpanName } from '../../services/telemetry/span-attributes.js';
import { endSpan, type OpenSpan, parentOf, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, startSpan, withParent } from './workflow-spans.js';

/** One execution's run span, open task spans by task run key, open limit waits by request id, and its cancellation. */
interface Execution {
  run: OpenSpan;
  tasks: Map<string, OpenSpan>;
  waits: Map<string, OpenSpan>;
  cancel?: OpenSpan;
}

/**
 * Per execution (Temporal run id). The interceptor modules of a bundle are evaluated for each
 * workflow, but kept in one map anyway in case the SDK shares them: dropped on dispose.
 */
const executions = new Map<string, Execution>();

const current = (): Execution | undefined => executions.get(workflowInfo().runId);

/** Names the run on its span: the first task or limit wait tells it (runs are counted by flow off it). */
function nameRun(execution: Execution, run: ObservedRun): void {
  execution.run.attributes[SPAN_ATTRIBUTES.runId] = run.runId;
  execution.run.attributes[SPAN_ATTRIBUTES.flow] = run.flow;
}

const taskSpans: TaskRunObserver = {
  started(run: ObservedRun, task: ObservedTask, attempt: number): void {
    const execution = current();
    if (!execution) return;
    nameRun(execution, run);
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
  waitStarted(run: ObservedRun, wait: ObservedLimitWait): void {
    const execution = current();
    if (!execution) return;
    nameRun(execution, run);
    // A sibling of the task's span, before it: the task run starts once it holds its slots.
    const span = startSpan(limitWaitSpanName(wait.kind, wait.name), execution.run, SPAN_KIND_INTERNAL);
    span.attributes = {
      [SPAN_ATTRIBUTES.runId]: run.runId,
      [SPAN_ATTRIBUTES.flow]: run.flow,
      [SPAN_ATTRIBUTES.limitKind]: wait.kind,
      [SPAN_ATTRIBUTES.limitName]: wait.name,
      ...(wait.task ? { [SPAN_ATTRIBUTES.taskId]: wait.task.id } : {}),
      ...(wait.task?.iteration?.length ? { [SPAN_ATTRIBUTES.taskIteration]: wait.task.iteration.join(',') } : {}),
    };
    execution.waits.set(wait.id, span);
  },
  waitEnded(_run: ObservedRun, wait: ObservedLimitWait, outcome: ObservedWaitEnd, queued: boolean): void {
    const execution = current();
    const span = execution?.waits.get(wait.id);
    if (!execution || !span) return;
    execution.waits.delete(wait.id);
    span.attributes[SPAN_ATTRIBUTES.limitOutcome] = outcome;
    span.attributes[SPAN_ATTRIBUTES.limitQueued] = queued;
    endSpan(span, outcome === 'failed');
  },
};

/** Memo key and value of a code flow's run (RUN_MEMO of the run client, which this bundle cannot import). */
const KIND_MEMO = 'weftKind';
const CODE_KIND = 'code';

/**
 * The run span: `RunWorkflow:<type>`, as Temporal's interceptor names it, under the starter's span;
 * and a span per signal and update handler, under the sender's span when its headers carry one.
 */
class RunSpanInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = workflowInfo();
    const run = startSpan(`RunWorkflow:${info.workflowType}`, parentOf(input.headers), SPAN_KIND_SERVER);
    const execution: Execution = { run, tasks: new Map(), waits: new Map() };
    executions.set(info.runId, execution);
    // A code flow may run no task the observers hear of: its start names its flow.
    const flow = info.memo?.[KIND_MEMO] === CODE_KIND ? info.typedSearchAttributes.get(WEFT_FLOW) : undefined;
    if (flow) nameRun(execution, { runId: info.workflowId, flow });
    const result = next(input);
    // Observing the outcome adds callbacks after the workflow's own, never an await before it.
    result.then(
      () => endRun(execution, false),
      (error: unknown) => endRun(execution, (error as { name?: string } | null)?.name !== 'ContinueAsNew'),
    );
    return result;
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return withHandlerSpan(`HandleSignal:${input.signalName}`, input.headers, {}, () => next(input));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const attributes: OpenSpan['attributes'] = { temporalUpdateId: input.updateId };
    // An approval's answer names its task (the author's id); never the answer's data or comment.
    const answer = input.name === FLOW_RUN.approvalUpdate ? (input.args[0] as Partial<ApprovalResponse> | undefined) : undefined;
    if (typeof answer?.taskId === 'string') attributes[SPAN_ATTRIBUTES.taskId] = answer.taskId;
    return withHandlerSpan(`HandleUpdate:${input.name}`, input.headers, attributes, () => next(input));
  }
}

function endRun(execution: Execution, failed: boolean): void {
  if (execution.cancel) endSpan(execution.cancel, false);
  endSpan(execution.run, failed);
}

/**
 * Runs a signal or update handler in a span: a child of the sender's span (a client's, through
 * Temporal's client interceptor), else of the run's. The handler's promise is handed back as it
 * is, its outcome observed by a callback: no await, so its commands stay where they were.
 */
function withHandlerSpan<T>(name: string, headers: SignalInput['headers'], attributes: OpenSpan['attributes'], handle: () => Promise<T>): Promise<T> {
  const execution = current();
  if (!execution) return handle();
  const span = startSpan(name, parentOf(headers) ?? execution.run, SPAN_KIND_SERVER);
  span.attributes = { ...runAttributes(execution), ...attributes };
  let result: Promise<T>;
  try {
    result = handle();
  } catch (error) {
    endSpan(span, true);
    throw error;
  }
  result.then(
    () => endSpan(span, false),
    () => endSpan(span, true),
  );
  return result;
}

/** The run's id and flow, once its span knows them. */
function runAttributes(execution: Execution): OpenSpan['attributes'] {
  const { [SPAN_ATTRIBUTES.runId]: runId, [SPAN_ATTRIBUTES.flow]: flow } = execution.run.attributes;
  return { ...(runId === undefined ? {} : { [SPAN_ATTRIBUTES.runId]: runId }), ...(flow === undefined ? {} : { [SPAN_ATTRIBUTES.flow]: flow }) };
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

/**
 * A cancellation request reaching the run: `HandleCancel`, a child of the run span, until the run
 * ends (its cancelled tasks and `finally`). A request to cancel carries no headers, so the
 * canceller's own span (`CancelWorkflow`, Temporal's client interceptor) is in another trace.
 */
class ExecutionInternals implements WorkflowInternalsInterceptor {
  constructor(private readonly key: string) {}

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    const execution = executions.get(this.key);
    if (execution && !execution.cancel && input.activation.jobs?.some((job) => job.cancelWorkflow)) {
      execution.cancel = startSpan('HandleCancel', execution.run, SPAN_KIND_INTERNAL);
      execution.cancel.attributes = runAttributes(execution);
    }
    next(input);
  }

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
    internals: [new ExecutionInternals(workflowInfo().runId)],
  };
};
