// Runs: start (idempotent with a key), get (running or finished, with or without a worker),
// list (Temporal visibility, filters, cursors), cancel, and answer approvals. Temporal is the
// source of truth for run state; nothing about runs is kept in the store.

import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type LoadedDataConverter } from '@temporalio/common';
import { Ajv } from 'ajv';
import { FlowValidationError, type ValidationProblem, WeftError } from '../core/errors.js';
import { ADMISSION_UPDATE, ADMITTED_AT_MEMO } from '../core/runs/limit-types.js';
import { type ExecutionStatusName, runStateOf } from '../core/runs/run-state.js';
import {
  type ApprovalOutput,
  type ApprovalResponse,
  approvalKey,
  FIRED_RUN_MEMO,
  type FiredRunMemo,
  FLOW_RUN,
  type FlowRunFailureDetails,
  type FlowRunInput,
  type FlowRunResult,
  type PendingApproval,
  RECORD_TASK_OUTPUT_ACTIVITY,
  type RecordedTaskOutput,
  type RunRights,
  type RunState,
  type StoredOutputRef,
  type TaskOutputQuery,
  type TaskOutputResult,
  type TaskRunRecord,
  type TokenUsageTotal,
  taskRunKey,
} from '../core/runs/run-types.js';
import { runSearchAttributes, WEFT_FLOW, WEFT_QUEUED, WEFT_REVISION, WEFT_TRIGGER, WEFT_WAITING } from '../core/runs/search-attributes.js';
import type { AgentTask, FlowSpec, SubflowTask } from '../core/spec/flow-spec.js';
import { flowTasks } from '../core/spec/flow-tasks.js';
import { problemsFromZod } from '../core/spec/zod-problems.js';
import { codeFlowInputSchema } from './code-flows/load-modules.js';
import { OUTPUT_CURSOR, RUN_CURSOR } from './cursor.js';
import type { FlowDetail, FlowService, WorkflowTarget } from './flow-service.js';
import { isoTime } from './iso-time.js';
import type { OutputStore } from './outputs/output-store.js';
import { batchTaskOutput, batchTaskRuns, nestBatchTaskRuns } from './runs/batch-tasks.js';
import { endedTasks, timelineFromHistory } from './runs/history-timeline.js';
import { queueWarnings, withPendingQueues, withWorkers, workflowQueueWarning } from './runs/queue-workers.js';
import { listRestarts, type RestartRunRequest, type RestartRunResult, restartRun } from './runs/restart-service.js';
import { flowRunLaunch, getRunningView, launchRun, RUN_MEMO, respondToApproval } from './runs/run-client.js';
import { closeEventSeen } from './runs/run-close.js';
import type { RunDetail } from './runs/run-detail.js';
import { launchWithSlotAtStart } from './runs/run-slot-at-start.js';
import { assertRunRights } from './security/tool-policy.js';
import { parseRequest, RunListFilterSchema, StartRunRequestSchema } from './service-requests.js';
import { historyValues } from './temporal/history-payloads.js';
import { cutText } from './text-budget.js';

const MAX_RUN_PAGE = 200;
/** How long a start waits for a run under a concurrency limit to learn whether it runs or waits (ms). */
const ADMISSION_WAIT_MS = 5000;
/**
 * How long a read of a running run waits for a worker to answer before it reads history instead
 * (ms): long enough for a busy worker, short enough that a page on a run without one does not hang.
 */
const LIVE_QUERY_MS = 10_000;
/** `waitingFor` of a running run no worker answered for. */
const NO_WORKER_ANSWERED = `a worker: none answered within ${LIVE_QUERY_MS / 1000} s (start one with weft worker or weft server); tasks are read from history, I/O tasks only`;
/** How long `cancel` waits for the run to close before answering that cancellation is requested (ms). */
const CANCEL_WAIT_MS = 2000;
/** How deep the start-time subflow walk goes: as deep as subflows may nest (MAX_SUBFLOW_DEPTH of workflows/child-run.ts). */
const MAX_SUBFLOW_WALK = 10;

export { ApprovalAlreadyDecidedError, ApprovalNotAcceptedError, IdempotencyConflictError, RunAlreadyEndedError } from './runs/run-client.js';

/** The run id an idempotency key names for flow `namespace/id`: the same key, the same run, for as long as Temporal keeps it. */
export function keyedRunId(namespace: string, id: string, key: string): string {
  return `${namespace}.${id}-k${createHash('sha256').update(`${namespace}/${id}\n${key}`).digest('hex').slice(0, 24)}`;
}

export class RunNotFoundError extends WeftError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `run ${runId} does not exist`, { hint: 'list runs to find its id; runs are kept as long as the Temporal namespace retains them' });
  }
}

export type { RestartRunRequest, RestartRunResult } from './runs/restart-service.js';
export type { RunDetail, RunError } from './runs/run-detail.js';

/** One page of a task run's output (see `RunService.taskOutputPage`). */
export interface TaskOutputPage {
  taskId: string;
  iteration?: number[];
  found: boolean;
  value?: unknown;
  text?: string;
  totalBytes?: number;
  offset?: number;
  nextCursor?: string;
  note?: string;
}

/** Sums the usage of task runs; undefined when no task used a model. */
export function runUsage(tasks: readonly TaskRunRecord[]): TokenUsageTotal | undefined {
  let total: TokenUsageTotal | undefined;
  for (const task of tasks) {
    if (!task.usage) continue;
    total ??= { inputTokens: 0, outputTokens: 0 };
    total.inputTokens += task.usage.inputTokens;
    total.outputTokens += task.usage.outputTokens;
    if (task.usage.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + task.usage.costUsd;
  }
  return total;
}

/** What a cancel answers: the run's state, and `cancelRequested` while it is still stopping. */
export interface CancelRunResult {
  runId: string;
  state: RunState;
  /** The run is still open (its finally tasks run); it ends CANCELLED (or TERMINATED) later. */
  cancelRequested?: true;
}

export interface RunSummary {
  runId: string;
  flow: string;
  state: RunState;
  startedAt: string;
  endedAt?: string;
}

export interface StartRunRequest {
  flow: string;
  revision?: number;
  inputs?: Record<string, unknown>;
  idempotencyKey?: string;
  trigger?: string;
  /** `run.event` of the run (a trigger's details); absent: `{}`. */
  event?: Record<string, unknown>;
}

export interface RunServiceOptions {
  /** Base address of the Temporal Web UI, for `uiUrl` (default: the embedded dev server's). */
  uiBaseUrl?: string;
  /** Where outputs too large for history are kept (the worker's data directory). */
  outputs?: OutputStore;
}

/** Thrown when a task run's output can be read neither from a worker nor from history. */
export class TaskOutputUnavailableError extends WeftError {
  constructor(runId: string, key: string, reason: string) {
    super('TASK_OUTPUT_UNAVAILABLE', `output of ${key} in run ${runId} is not available: ${reason}`, {
      hint: 'outputs of set/if/foreach tasks are read from a running worker (weft worker or weft dev); http and script outputs also from history',
    });
  }
}

/** How long a worker gets to answer an output query before history is used instead. */
const OUTPUT_QUERY_MS = 5000;
/** Bytes of a task output's JSON text on one page (MCP's page is the same size). */
export const TASK_OUTPUT_PAGE_BYTES = 20_000;
/** Most task outputs read for a run that did not complete: each is a query, which replays the closed run on a worker. */
const MAX_TASK_OUTPUTS = 20;

export class RunService {
  private readonly uiBaseUrl: string;
  private readonly outputs: OutputStore | undefined;

  constructor(
    private readonly client: Client,
    private readonly flows: FlowService,
    private readonly taskQueue: string,
    options: RunServiceOptions = {},
  ) {
    this.outputs = options.outputs;
    this.uiBaseUrl = (options.uiBaseUrl ?? 'http://127.0.0.1:8233').replace(/\/+$/, '');
  }

  /** Where the run is shown in the Temporal Web UI. */
  uiUrl(runId: string): string {
    return `${this.uiBaseUrl}/namespaces/${encodeURIComponent(this.client.options.namespace)}/workflows/${encodeURIComponent(runId)}`;
  }

  /**
   * The worker's view of a running run; undefined when none answers within LIVE_QUERY_MS. The
   * task queue's poller list cannot tell a dead worker from a live one sooner: a worker that
   * died stays listed for a minute or so, and Temporal says "no poller" after about 30 s.
   */
  private async liveView(runId: string): Promise<Awaited<ReturnType<typeof getRunningView>> | undefined> {
    return this.client.connection
      .withDeadline(Date.now() + LIVE_QUERY_MS, () => getRunningView(this.client, runId))
      .catch((error: unknown) => {
        if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
        return undefined;
      });
  }

  /** Whether Temporal has closed the run (cheap: one describe call, no history). */
  async isClosed(runId: string): Promise<boolean> {
    try {
      return (await this.client.workflow.getHandle(runId).describe()).status.name !== 'RUNNING';
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      throw error;
    }
  }

  /** True once Temporal records the run's close (long poll); false when `signal` stops it first or the poll fails. */
  closeEventSeen(runId: string, signal: AbortSignal): Promise<boolean> {
    return closeEventSeen(this.client, runId, signal);
  }

  /**
   * The live task timeline and pending approvals of a running run (asks its worker). A running
   * task whose activity waits for a worker of its group shows PENDING, as `get` shows it.
   */
  async live(runId: string): Promise<{ tasks: TaskRunRecord[]; approvals: PendingApproval[]; waiting: boolean; queued: boolean }> {
    const view = await getRunningView(this.client, runId);
    let tasks = view.tasks;
    // Only a running task can be waiting for a worker: no describe call for a run without one.
    if (tasks.some((t) => t.state === 'RUNNING')) {
      const description = await this.client.workflow.getHandle(runId).describe();
      tasks = withPendingQueues(tasks, description.raw.pendingActivities ?? [], description.taskQueue);
    }
    return { tasks, approvals: view.approvals, waiting: view.state === 'WAITING', queued: view.state === 'QUEUED' };
  }

  /**
   * The task runs of a running run's foreach batches, as their workers answer (history for a
   * batch none answers for): what `live` leaves out, since the run's own book never holds them.
   * `settled`: batches a caller reading again and again has read closed (runs/batch-tasks.ts).
   */
  async liveBatchTasks(runId: string, settled?: Set<string>): Promise<TaskRunRecord[]> {
    const events = (await this.client.workflow.getHandle(runId).fetchHistory()).events ?? [];
    const batches = await batchTaskRuns(this.client, runId, events, { askWorker: true, queryMs: OUTPUT_QUERY_MS, ...(settled ? { settled } : {}) });
    return [...batches.values()].flat();
  }

  /**
   * The approval of a running run waiting at `taskId` (iteration, agent step), as its worker
   * answers; undefined when none waits there or no worker answers within LIVE_QUERY_MS.
   */
  async pendingApproval(runId: string, at: { taskId: string; iteration?: number[]; step?: number }): Promise<PendingApproval | undefined> {
    // A closed run waits for nothing: one describe call rather than a replay on a worker.
    if (await this.isClosed(runId)) return undefined;
    const view = await this.liveView(runId);
    const key = approvalKey(at.taskId, at.iteration, at.step);
    return view?.approvals.find((a) => approvalKey(a.taskId, a.iteration, a.step) === key);
  }

  /**
   * Warnings for the named queues (flow-spec `queue`) of a flow's tasks that no live worker polls:
   * those tasks would wait PENDING until a `weft worker --queue NAME` starts.
   */
  queueWarnings(flow: FlowSpec): Promise<ValidationProblem[]> {
    return queueWarnings(this.pollerSource(), flow);
  }

  private pollerSource() {
    return { service: this.client.workflowService, namespace: this.client.options.namespace, taskQueue: this.taskQueue };
  }

  /**
   * Starts a run of a saved flow. With an idempotency key, a repeat attaches to the first run
   * (`started: false`). `read`: the revision's detail when the caller has read it already (as
   * `run_flow` does to check access), so the store is not asked twice. `warnings`: what would
   * keep the run waiting without a word: a named queue of its tasks, or a registered workflow's
   * task queue, that no live worker polls.
   */
  async start(
    input: StartRunRequest,
    read?: FlowDetail,
    rights?: RunRights,
  ): Promise<{ runId: string; started: boolean; state?: RunState; warnings?: string[] }> {
    const request = parseRequest(StartRunRequestSchema, input, 'run request');
    const detail = read ?? (await this.flows.get(request.flow, request.revision));
    if (read && (read.flow !== request.flow || (request.revision !== undefined && read.revision !== request.revision))) {
      throw new Error(`run request for ${request.flow} rev ${request.revision} was handed ${detail.flow} rev ${detail.revision}`);
    }
    if (rights) {
      assertRunRights(detail.spec, rights);
      if (!detail.target) await this.checkSubflowRights(detail.spec, rights);
    }
    const { namespace, id } = detail.spec;
    const ref = `${namespace}/${id}`;
    const runId = request.idempotencyKey ? keyedRunId(namespace, id, request.idempotencyKey) : `${namespace}.${id}-${randomUUID()}`;
    const idempotent = request.idempotencyKey !== undefined;
    if (!detail.target) {
      // Only a run some flow trigger listens to ends by firing them: one indexed read here.
      const downstream = await this.flows.listenedTo(ref);
      const launch = flowRunLaunch(
        {
          flow: detail.spec,
          revision: detail.revision,
          inputs: request.inputs ?? {},
          taskQueue: this.taskQueue,
          trigger: request.trigger ?? 'api',
          ...(request.event ? { event: request.event } : {}),
          runId,
          idempotent,
        },
        { ...(rights ? { rights } : {}), ...(downstream ? { downstream } : {}) },
      );
      // After the inputs are checked (flowRunLaunch): a refused start takes no slot.
      const { launched, slot } = await launchWithSlotAtStart(this.client, launch, detail.spec);
      const warnings = (await this.queueWarnings(detail.spec)).map((w) => `${w.path}: ${w.message}${w.hint ? ` (hint: ${w.hint})` : ''}`);
      const said = warnings.length ? { warnings } : {};
      if (!detail.spec.concurrency) return { ...launched, ...said };
      // Under a concurrency limit the run may wait or end at once: answer its real state. A run
      // started with its slot runs from its first step.
      const state = slot?.granted && launched.started ? 'RUNNING' : await this.admissionState(runId);
      return { ...launched, state, ...said };
    }
    const { target } = detail;
    const inputs = checkTargetInputs(target, request.inputs ?? {});
    const launched = await launchRun(this.client, {
      runId,
      workflowType: target.workflowType,
      taskQueue: target.taskQueue,
      args: target.argOrder ? target.argOrder.map((key) => inputs[key]) : [inputs],
      inputs,
      kind: detail.kind,
      searchAttributes: runSearchAttributes(detail.spec, detail.revision, request.trigger ?? 'api'),
      summary: `${ref} rev ${detail.revision}`,
      idempotent,
    });
    const warning = await workflowQueueWarning(this.pollerSource(), target.taskQueue, target.workflowType);
    return warning ? { ...launched, warnings: [warning] } : launched;
  }

  /**
   * Waits, without a deadline, for Temporal to close the run and returns its final state: one
   * long poll, no history read (`get` reads the rest). For callers that wait for the end anyway
   * (`weft dev`'s example run, the bench); bounded waits with progress use run-waiter.ts.
   */
  async waitForClose(runId: string): Promise<RunState> {
    const handle = this.client.workflow.getHandle(runId);
    try {
      await handle.result();
      return 'COMPLETED';
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      if (!(error instanceof WorkflowFailedError)) throw error;
      const cause = error.cause;
      const status = (await handle.describe()).status.name as ExecutionStatusName;
      return runStateOf(status, cause instanceof ApplicationFailure && cause.details?.[0] ? (cause.type ?? undefined) : undefined);
    }
  }

  /**
   * Starts a run of a flow that is not saved (a file run as it is) as revision 0, with the same
   * idempotency keys, memo and checks as a saved flow's run. A key names one run per flow id,
   * saved or not, as it does across a saved flow's revisions.
   */
  startUnsaved(
    spec: FlowSpec,
    yaml: string,
    input: Omit<StartRunRequest, 'flow' | 'revision'>,
    rights?: RunRights,
  ): Promise<{ runId: string; started: boolean; warnings?: string[] }> {
    const flow = `${spec.namespace}/${spec.id}`;
    const detail: FlowDetail = { flow, kind: 'declarative', revision: 0, yaml, spec, revisions: 0, updatedAt: new Date().toISOString() };
    return this.start({ ...input, flow }, detail, rights);
  }

  /**
   * Walks the subflows and agent flow tools a flow names (literally, at any depth, as saved now) and refuses the run
   * if one breaks `rights`. The worker checks each child again when it starts (a subflow saved
   * later, a revision changed meanwhile); this check refuses before anything runs.
   */
  private async checkSubflowRights(flow: FlowSpec, rights: RunRights): Promise<void> {
    const seen = new Set<string>();
    const walk = async (parent: FlowSpec, depth: number): Promise<void> => {
      if (depth > MAX_SUBFLOW_WALK) return;
      for (const { ref, revision } of childFlowRefs(parent)) {
        const key = `${ref}@${revision ?? 'latest'}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const child = await this.flows.resolve(ref, revision).catch((error: unknown) => {
          // A subflow that does not resolve fails its task when it starts: nothing to check here.
          if (error instanceof WeftError) return undefined;
          throw error;
        });
        if (!child) continue;
        assertRunRights(child.flow, rights, true);
        await walk(child.flow, depth + 1);
      }
    };
    await walk(flow, 1);
  }

  /**
   * A run's state, timeline, outputs and model usage; finished runs are read from Temporal without
   * a worker. `ended`: the caller has seen the run close (a wait that ended with it), so its
   * restarts are looked up while the run is read, not after.
   */
  async get(runId: string, options: { ended?: boolean } = {}): Promise<RunDetail> {
    const restartsOfEnded = options.ended ? listRestarts(this.client, runId) : undefined;
    restartsOfEnded?.catch(() => undefined);
    const detail = await this.readRun(runId);
    const usage = runUsage(detail.tasks);
    // Only an ended run can be restarted: a running one has no restarts to look for.
    const open = detail.state === 'RUNNING' || detail.state === 'WAITING' || detail.state === 'QUEUED';
    const restarts = open ? [] : await (restartsOfEnded ?? listRestarts(this.client, runId));
    return { ...detail, ...(usage ? { usage } : {}), ...(restarts.length ? { restarts } : {}) };
  }

  /**
   * Starts a run that restarts an ended one from a task, reusing what completed before it
   * (flow-spec.md, Restart; services/runs/restart-service.ts).
   */
  restartRun(request: RestartRunRequest, rights?: RunRights): Promise<RestartRunResult> {
    return restartRun({ client: this.client, flows: this.flows, taskQueue: this.taskQueue, readRun: (id) => this.readRun(id) }, request, rights);
  }

  private async readRun(runId: string): Promise<RunDetail> {
    const handle = this.client.workflow.getHandle(runId);
    // Both at once: each is a round trip to Temporal, and every read needs both.
    const fetching = handle.fetchHistory();
    fetching.catch(() => undefined);
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await handle.describe();
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      throw error;
    }
    const status = description.status.name as ExecutionStatusName;
    const history = await fetching;
    const events = history.events ?? [];
    const kind = description.memo?.[RUN_MEMO.kind];
    if (kind === 'code' || kind === 'temporal') return this.readWorkflowRun(handle, description, status, events);
    const input = (await this.startInput(events)) as FlowRunInput | undefined;
    // A run a Schedule started holds placeholders in its start input; its memo says what it ran.
    const fired = description.memo?.[FIRED_RUN_MEMO] as FiredRunMemo | undefined;
    const base = {
      runId,
      flow: input?.fire ? input.fire.flow : input ? `${input.flow.namespace}/${input.flow.id}` : '',
      revision: fired?.revision ?? input?.revision ?? 0,
      inputs: fired?.inputs ?? input?.inputs ?? {},
      ...(input ? { trigger: input.trigger, event: fired?.event ?? input.event ?? {} } : {}),
      ...(input?.restart ? { restartOf: input.restart.restartOf } : {}),
      // A run that waited for its concurrency slot started when it got it (queue time is not run time).
      startedAt: (description.memo?.[ADMITTED_AT_MEMO] as string | undefined) ?? description.startTime.toISOString(),
      ...(description.closeTime ? { endedAt: description.closeTime.toISOString() } : {}),
    };
    if (status === 'RUNNING') {
      const live = await this.liveView(runId);
      if (!live) {
        // No worker answered (all stopped, or busy past the bound): say so, and show what history knows.
        const attributes = description.typedSearchAttributes;
        const state = attributes.get(WEFT_QUEUED) ? 'QUEUED' : attributes.get(WEFT_WAITING) ? 'WAITING' : 'RUNNING';
        const read = withWorkers(timelineFromHistory(events), events, description.raw.pendingActivities ?? [], description.taskQueue);
        const tasks = await this.withBatchTasks(runId, events, read, false);
        return { ...base, state, tasks, approvals: [], waitingFor: NO_WORKER_ANSWERED };
      }
      // The query can answer after the last task but before Temporal closes the run: until
      // Temporal says the run is closed, it is running (or waiting, or queued).
      const state = live.state === 'WAITING' || live.state === 'QUEUED' ? live.state : 'RUNNING';
      const own = withWorkers(live.tasks, events, description.raw.pendingActivities ?? [], description.taskQueue);
      const tasks = await this.withBatchTasks(runId, events, own, true);
      return { ...base, state, tasks, approvals: live.approvals, ...(live.waitingFor ? { waitingFor: live.waitingFor } : {}) };
    }
    if (status === 'COMPLETED') {
      const result = (await this.completedResult(events)) ?? ((await handle.result()) as FlowRunResult);
      const tasks = await this.withBatchTasks(runId, events, withWorkers(result.tasks, events, [], description.taskQueue), true);
      return { ...base, state: 'COMPLETED', outputs: result.outputs, tasks, approvals: [] };
    }
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    const cause = failure instanceof WorkflowFailedError ? failure.cause : undefined;
    const appFailure = cause instanceof ApplicationFailure ? cause : undefined;
    const details = appFailure?.details?.[0] as FlowRunFailureDetails | undefined;
    const failed = details?.failedTask;
    // A failed or timed-out run carries its timeline in its failure; a cancelled or terminated
    // one has none, so it is rebuilt (endedTimeline says from what).
    const timeline = details ? { tasks: details.tasks, replayed: true } : await this.endedTimeline(runId, events);
    // A batch the run's end stopped (terminated with it) may still show tasks RUNNING: they end with the run too.
    const read = await this.withBatchTasks(runId, events, timeline.tasks, timeline.replayed);
    const tasks = withWorkers(endedTasks(read, status, base.endedAt), events, [], description.taskQueue);
    const taskOutputs = await this.completedOutputs(handle, events, tasks, timeline.replayed);
    return {
      ...base,
      state: runStateOf(status, details ? (appFailure?.type ?? undefined) : undefined),
      tasks,
      ...(failed
        ? { error: { taskId: failed.id, ...(failed.iteration ? { iteration: failed.iteration } : {}), ...failed.error } }
        : failure
          ? {
              error: details
                ? { type: appFailure?.type ?? 'Error', message: cause?.message ?? 'run failed' }
                : { type: cause?.name ?? status, message: cause?.message ?? `run ${status.toLowerCase()}` },
            }
          : {}),
      ...(taskOutputs ? { taskOutputs } : {}),
      approvals: [],
    };
  }

  /** What a completed run returned, read from the close event of the history already fetched. */
  private async completedResult(events: Parameters<typeof timelineFromHistory>[0]): Promise<FlowRunResult | undefined> {
    const payloads = events.at(-1)?.workflowExecutionCompletedEventAttributes?.result?.payloads;
    if (!payloads?.length) return undefined;
    return (await historyValues(this.client.options.loadedDataConverter, payloads))[0] as FlowRunResult;
  }

  /**
   * `tasks` with the task runs of the run's foreach batches nested under their foreach: the
   * iterations of a large foreach, which the run's own task book never holds (runs/batch-tasks.ts).
   * `askWorker` false: none answered for the run, so its batches are read from history alone.
   */
  private async withBatchTasks(
    runId: string,
    events: Parameters<typeof timelineFromHistory>[0],
    tasks: TaskRunRecord[],
    askWorker: boolean,
  ): Promise<TaskRunRecord[]> {
    const batches = await batchTaskRuns(this.client, runId, events, { askWorker, queryMs: OUTPUT_QUERY_MS });
    return nestBatchTaskRuns(tasks, batches);
  }

  /**
   * The timeline of a run that ended without a result (cancelled, terminated). A worker replays
   * the run and answers from the same task book a completed run returns: every task type (sleep,
   * log, set and approval run in workflow code and leave no event of their own), iterations,
   * attempts and `finally`. Only when no worker answers is history read instead, which knows
   * I/O tasks alone; the run log's task events are not used because a terminated run loses the
   * events it had not written yet.
   */
  private async endedTimeline(runId: string, events: Parameters<typeof timelineFromHistory>[0]): Promise<{ tasks: TaskRunRecord[]; replayed: boolean }> {
    const replayed = await this.client.connection.withDeadline(Date.now() + OUTPUT_QUERY_MS, () => getRunningView(this.client, runId)).catch(() => undefined);
    return replayed ? { tasks: replayed.tasks, replayed: true } : { tasks: timelineFromHistory(events), replayed: false };
  }

  /**
   * Outputs of the top-level tasks that completed in a run that did not complete, by task id:
   * the flow's `outputs` are evaluated only at a run's end, so what its tasks produced is shown
   * apart from them. Asked of a worker (unless none answered already); once none answers,
   * the rest come from history.
   */
  private async completedOutputs(
    handle: ReturnType<Client['workflow']['getHandle']>,
    events: Parameters<typeof timelineFromHistory>[0],
    tasks: readonly TaskRunRecord[],
    askWorker: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const done = tasks.filter((t) => !t.iteration && (t.state === 'COMPLETED' || t.state === 'CACHED')).slice(0, MAX_TASK_OUTPUTS);
    if (done.length === 0) return undefined;
    const outputs: Record<string, unknown> = {};
    let viaWorker = askWorker;
    for (const task of done) {
      let answer: TaskOutputResult | undefined;
      if (viaWorker) {
        answer = await this.client.connection
          .withDeadline(Date.now() + OUTPUT_QUERY_MS, () => handle.query<TaskOutputResult, [TaskOutputQuery]>(FLOW_RUN.taskOutputQuery, { taskId: task.id }))
          .catch(() => undefined);
        if (!answer) viaWorker = false;
      }
      answer ??= await outputInHistory(events, taskRunKey(task.id), this.client.options.loadedDataConverter);
      if (answer?.found) outputs[task.id] = await this.loadStored(answer.output);
    }
    return Object.keys(outputs).length ? outputs : undefined;
  }

  /** Lists runs through Temporal visibility, newest first. */
  async list(
    input: { flow?: string; namespace?: string; state?: RunState; trigger?: string; since?: string; until?: string; cursor?: string; limit?: number } = {},
  ): Promise<{ runs: RunSummary[]; nextCursor?: string }> {
    const filter = parseRequest(RunListFilterSchema, input, 'run filter');
    // Every run Weft starts carries WeftFlow: flow documents, code flows and existing workflow types.
    const clauses = [`${WEFT_FLOW.name} IS NOT NULL`];
    if (filter.flow) clauses.push(`WeftFlow = ${quote(filter.flow)}`);
    if (filter.namespace) clauses.push(`WeftNamespace = ${quote(filter.namespace)}`);
    if (filter.trigger) clauses.push(`${WEFT_TRIGGER.name} = ${quote(filter.trigger)}`);
    if (filter.since) clauses.push(`StartTime >= ${quote(isoTime(filter.since, 'since'))}`);
    if (filter.until) clauses.push(`StartTime <= ${quote(isoTime(filter.until, 'until'))}`);
    if (filter.state) clauses.push(stateClause(filter.state));
    let response: Awaited<ReturnType<typeof this.client.workflowService.listWorkflowExecutions>>;
    try {
      response = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query: clauses.join(' AND '),
        pageSize: Math.max(1, Math.min(filter.limit ?? 50, MAX_RUN_PAGE)),
        ...(filter.cursor ? { nextPageToken: RUN_CURSOR.decode(filter.cursor) } : {}),
      });
    } catch (error) {
      // A namespace without Weft's search attributes holds no Weft run (a start sets them, and
      // fails without them). The server says so only in the message of INVALID_ARGUMENT.
      if (/is not a valid search attribute/.test((error as Error).message)) return { runs: [] };
      throw error;
    }
    const runs = (response.executions ?? []).map((e) => {
      const status = statusName(e.status);
      const flowAttr = e.searchAttributes?.indexedFields?.WeftFlow;
      const waiting = e.searchAttributes?.indexedFields?.WeftWaiting;
      const queued = e.searchAttributes?.indexedFields?.[WEFT_QUEUED.name];
      const state = runStateOf(status, undefined, waiting?.data ? Buffer.from(waiting.data).toString() === 'true' : false);
      return {
        runId: e.execution?.workflowId ?? '',
        flow: flowAttr?.data ? (JSON.parse(Buffer.from(flowAttr.data).toString()) as string) : '',
        state: state === 'RUNNING' && queued?.data && Buffer.from(queued.data).toString() === 'true' ? 'QUEUED' : state,
        startedAt: toIso(e.startTime) ?? '',
        ...(e.closeTime ? { endedAt: toIso(e.closeTime) } : {}),
      } as RunSummary;
    });
    const token = response.nextPageToken;
    return { runs, ...(token && token.length > 0 ? { nextCursor: RUN_CURSOR.encode(token) } : {}) };
  }

  /**
   * Cancels a run (its finally tasks run); `force` terminates it at once. Answers the state the
   * run is in: it waits up to `waitMs` (default 2000 ms) for the run to close, and a run still
   * open then (finally tasks running) is answered with `cancelRequested: true`.
   */
  async cancel(runId: string, options: { reason?: string; force?: boolean; waitMs?: number } = {}): Promise<CancelRunResult> {
    const handle = this.client.workflow.getHandle(runId);
    try {
      if (options.force) await handle.terminate(options.reason ?? 'terminated by request');
      else await handle.cancel();
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      throw error;
    }
    const deadline = Date.now() + Math.max(0, options.waitMs ?? CANCEL_WAIT_MS);
    let pause = 20;
    let state = await this.currentState(runId);
    // A QUEUED run is still open too: its cancel is answered once the workflow has seen it.
    while ((state === 'RUNNING' || state === 'WAITING' || state === 'QUEUED') && Date.now() < deadline) {
      await delay(Math.min(pause, deadline - Date.now()));
      pause = Math.min(250, pause * 2);
      state = await this.currentState(runId);
    }
    return state === 'RUNNING' || state === 'WAITING' || state === 'QUEUED' ? { runId, state, cancelRequested: true } : { runId, state };
  }

  /**
   * The state of a run of a flow with concurrency once its slot is decided: RUNNING or QUEUED as
   * the run answers, or how it ended (refused: CANCELLED or FAILED). Bounded: a run no worker
   * has picked up yet is answered with its state as Temporal describes it.
   */
  private async admissionState(runId: string): Promise<RunState> {
    const handle = this.client.workflow.getHandle(runId);
    try {
      return await this.client.connection.withDeadline(Date.now() + ADMISSION_WAIT_MS, () => handle.executeUpdate<RunState, []>(ADMISSION_UPDATE));
    } catch {
      return this.currentState(runId);
    }
  }

  /** A run's state from one describe call: no history, no worker. */
  private async currentState(runId: string): Promise<RunState> {
    const description = await this.client.workflow.getHandle(runId).describe();
    const status = description.status.name as ExecutionStatusName;
    // Only a failure's type tells FAILED from TIMED_OUT, and that is in the result, not the description.
    if (status === 'FAILED') return (await this.get(runId)).state;
    const state = runStateOf(status, undefined, description.typedSearchAttributes.get(WEFT_WAITING) === true);
    return state === 'RUNNING' && description.typedSearchAttributes.get(WEFT_QUEUED) === true ? 'QUEUED' : state;
  }

  /**
   * One task run's output: asked of a worker (running and closed runs), else read from the
   * activity result in history. Outputs stored outside history are loaded when this process
   * can reach the output store.
   */
  async taskOutput(runId: string, taskId: string, iteration?: number[]): Promise<{ found: boolean; output?: unknown }> {
    const key = taskRunKey(taskId, iteration);
    const handle = this.client.workflow.getHandle(runId);
    let answer: TaskOutputResult | undefined;
    let events: Parameters<typeof timelineFromHistory>[0] | undefined;
    try {
      answer = await this.client.connection.withDeadline(Date.now() + OUTPUT_QUERY_MS, () =>
        handle.query<TaskOutputResult, [TaskOutputQuery]>(FLOW_RUN.taskOutputQuery, { taskId, ...(iteration ? { iteration } : {}) }),
      );
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      events = (await handle.fetchHistory()).events ?? [];
      answer = await outputInHistory(events, key, this.client.options.loadedDataConverter);
    }
    if (!answer?.found && iteration?.length) {
      // An iteration of a foreach that ran in batches: its batch holds the output.
      events ??= (await handle.fetchHistory()).events ?? [];
      const converter = this.client.options.loadedDataConverter;
      answer =
        (await batchTaskOutput(
          this.client,
          runId,
          events,
          { taskId, iteration },
          {
            queryMs: OUTPUT_QUERY_MS,
            fromHistory: (batchEvents, batchKey) => outputInHistory(batchEvents, batchKey, converter),
          },
        )) ?? answer;
    }
    if (!answer) throw new TaskOutputUnavailableError(runId, key, 'no worker answered and history holds no activity result for it');
    if (!answer.found) return { found: false };
    return { found: true, output: await this.loadStored(answer.output) };
  }

  /**
   * One page of a task run's output as JSON text, for every adapter (MCP `get_run` with
   * `taskId`, `weft run get --task`): `value` too when the whole output fits one page, else
   * `text` from the cursor's byte offset and `nextCursor` while more is left.
   */
  async taskOutputPage(
    runId: string,
    taskId: string,
    iteration: number[] | undefined,
    cursor: string | undefined,
    pageBytes = TASK_OUTPUT_PAGE_BYTES,
  ): Promise<TaskOutputPage> {
    const offset = cursor ? OUTPUT_CURSOR.decode(cursor) : 0;
    const result = await this.taskOutput(runId, taskId, iteration);
    const base = { taskId, ...(iteration ? { iteration } : {}) };
    if (!result.found) return { ...base, found: false, note: 'no output (yet): the task has not completed or was skipped' };
    const bytes = Buffer.from(JSON.stringify(result.output) ?? 'null', 'utf8');
    if (offset === 0 && bytes.length <= pageBytes) return { ...base, found: true, value: result.output, totalBytes: bytes.length };
    const page = cutText(bytes.subarray(offset).toString('utf8'), pageBytes);
    const end = offset + Buffer.byteLength(page.text, 'utf8');
    return {
      ...base,
      found: true,
      text: page.text,
      totalBytes: bytes.length,
      offset,
      ...(end < bytes.length ? { nextCursor: OUTPUT_CURSOR.encode(end) } : {}),
    };
  }

  private async loadStored(output: unknown): Promise<unknown> {
    const ref = (output as Partial<StoredOutputRef> | null)?.$weftOutputRef;
    if (typeof ref !== 'string' || !this.outputs) return output;
    return this.outputs.get(ref).catch(() => output);
  }

  /** Answers a pending approval; refused with RunAlreadyEndedError once the run has ended, RunNotFoundError when it never existed. */
  async respondToApproval(runId: string, response: ApprovalResponse): Promise<ApprovalOutput> {
    try {
      return await respondToApproval(this.client, runId, response);
    } catch (error) {
      if ((error as Error).name === 'WorkflowNotFoundError') throw new RunNotFoundError(runId);
      throw error;
    }
  }

  private async startInput(events: readonly StartEvent[]): Promise<unknown> {
    return (await this.startArgs(events))[0];
  }

  private startArgs(events: readonly StartEvent[]): Promise<unknown[]> {
    // A large start input is a claim-check reference in history: decoded by the client's codecs.
    return historyValues(this.client.options.loadedDataConverter, events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []);
  }

  /**
   * A run of a code flow or an existing workflow type: outputs are its result, the timeline
   * comes from the Weft step helpers (asked of the worker) or from activity events in history.
   */
  private async readWorkflowRun(
    handle: ReturnType<Client['workflow']['getHandle']>,
    description: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>,
    status: ExecutionStatusName,
    events: readonly StartEvent[],
  ): Promise<RunDetail> {
    const args = await this.startArgs(events);
    const first = args[0];
    const attrs = description.searchAttributes ?? {};
    const base = {
      runId: description.workflowId,
      flow: String((attrs[WEFT_FLOW.name] as unknown[] | undefined)?.[0] ?? ''),
      revision: Number((attrs[WEFT_REVISION.name] as unknown[] | undefined)?.[0] ?? 0),
      inputs: args.length === 1 && isPlainObject(first) ? first : { args },
      startedAt: description.startTime.toISOString(),
      ...(description.closeTime ? { endedAt: description.closeTime.toISOString() } : {}),
    };
    const historyTasks = () => timelineFromHistory(events as Parameters<typeof timelineFromHistory>[0], { anyActivity: true });
    if (status === 'RUNNING') {
      // Code flows with Weft's step helpers answer the live query; plain workflows do not.
      const live = await this.client.connection
        .withDeadline(Date.now() + OUTPUT_QUERY_MS, () => getRunningView(this.client, base.runId))
        .catch(() => undefined);
      if (live) return { ...base, state: live.state === 'WAITING' ? 'WAITING' : 'RUNNING', tasks: live.tasks, approvals: live.approvals };
      // No worker has taken the run's first workflow task: say for which queue it waits.
      const untaken = !(events as readonly { workflowTaskStartedEventAttributes?: unknown }[]).some((e) => e.workflowTaskStartedEventAttributes);
      return {
        ...base,
        state: 'RUNNING',
        tasks: historyTasks(),
        approvals: [],
        ...(untaken ? { waitingFor: `a worker on task queue ${description.taskQueue}` } : {}),
      };
    }
    // A closed code flow still answers the query (its worker replays it): approvals and steps
    // without activities show too. Plain workflows and runs with no worker fall back to history.
    const closedTasks = async () =>
      (await this.client.connection.withDeadline(Date.now() + OUTPUT_QUERY_MS, () => getRunningView(this.client, base.runId)).catch(() => undefined))?.tasks ??
      historyTasks();
    if (status === 'COMPLETED') {
      const result = await handle.result();
      return { ...base, state: 'COMPLETED', outputs: isPlainObject(result) ? result : { result }, tasks: await closedTasks(), approvals: [] };
    }
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    const cause = failure instanceof WorkflowFailedError ? failure.cause : undefined;
    return {
      ...base,
      state: runStateOf(status),
      tasks: await closedTasks(),
      error: { type: (cause instanceof ApplicationFailure ? cause.type : cause?.name) ?? status, message: cause?.message ?? `run ${status.toLowerCase()}` },
      approvals: [],
    };
  }
}

/**
 * The activity result of a task run's last attempt in history (for an agent task, the output its
 * `recordTaskOutput` activity holds); undefined when it has none.
 */
async function outputInHistory(
  events: Parameters<typeof timelineFromHistory>[0],
  key: string,
  converter: LoadedDataConverter,
): Promise<TaskOutputResult | undefined> {
  const prefix = `${key}#`;
  let scheduled: { id: number; attempt: number; recorded?: unknown } | undefined;
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    const activityId = attributes?.activityId;
    if (!activityId?.startsWith(prefix)) continue;
    const attempt = Number(activityId.slice(prefix.length));
    if (!scheduled || attempt > scheduled.attempt)
      scheduled = {
        id: Number(event.eventId),
        attempt,
        ...(attributes?.activityType?.name === RECORD_TASK_OUTPUT_ACTIVITY ? { recorded: attributes.input?.payloads } : {}),
      };
  }
  if (!scheduled) return undefined;
  if (scheduled.recorded) {
    const [input] = await historyValues(converter, scheduled.recorded as unknown[]);
    return { found: true, output: (input as RecordedTaskOutput).output };
  }
  const completed = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === scheduled.id);
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  if (!payload) return undefined;
  return { found: true, output: (await historyValues(converter, [payload]))[0] };
}

const STATUS_NAMES: Record<number, ExecutionStatusName> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

function statusName(status: unknown): ExecutionStatusName {
  return STATUS_NAMES[Number(status)] ?? 'UNKNOWN';
}

function stateClause(state: RunState): string {
  switch (state) {
    case 'QUEUED':
      return `ExecutionStatus = 'Running' AND ${WEFT_QUEUED.name} = true`;
    case 'RUNNING':
      return `ExecutionStatus = 'Running' AND WeftWaiting = false AND (${WEFT_QUEUED.name} IS NULL OR ${WEFT_QUEUED.name} = false)`;
    case 'WAITING':
      return `ExecutionStatus = 'Running' AND WeftWaiting = true`;
    case 'COMPLETED':
      return `ExecutionStatus = 'Completed'`;
    case 'FAILED':
      return `ExecutionStatus = 'Failed'`;
    case 'CANCELLED':
      return `ExecutionStatus = 'Canceled'`;
    case 'TERMINATED':
      return `ExecutionStatus = 'Terminated'`;
    case 'TIMED_OUT':
      return `ExecutionStatus = 'TimedOut'`;
  }
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function toIso(time: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!time?.seconds) return undefined;
  return new Date(Number(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6)).toISOString();
}

type StartEvent = { workflowExecutionStartedEventAttributes?: { input?: { payloads?: unknown[] | null } | null } | null };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const inputChecker = new Ajv({ allErrors: true, strict: false });

/** Inputs of a code flow or existing workflow, checked against its JSON Schema; every problem at once. */
function checkTargetInputs(target: WorkflowTarget, inputs: Record<string, unknown>): Record<string, unknown> {
  // In a process that loaded the code flow's module, its own zod schema speaks (with its messages
  // and defaults); elsewhere the JSON Schema derived from it does.
  const zodSchema = target.kind === 'code' ? codeFlowInputSchema(`${target.namespace}/${target.id}`) : undefined;
  if (zodSchema) {
    const parsed = zodSchema.safeParse(inputs);
    if (parsed.success) return parsed.data as Record<string, unknown>;
    throw new FlowValidationError(problemsFromZod(parsed.error.issues, 'inputs', [], 'run inputs'), 'run inputs');
  }
  if (!target.inputSchema) return inputs;
  const validate = inputChecker.compile(target.inputSchema);
  if (validate(inputs)) return inputs;
  const problems = (validate.errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : '';
    const path = `inputs${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}${missing}`;
    return { path, message: `${path} ${missing ? 'is required' : (e.message ?? 'is invalid')}` };
  });
  throw new FlowValidationError(problems, 'run inputs');
}

/** The flows a flow may start as child runs: its subflows and its agents' flow tools. */
function* childFlowRefs(flow: FlowSpec): Generator<{ ref: string; revision?: number }> {
  for (const { task } of flowTasks(flow)) {
    if (task.type === 'subflow') {
      const { flow: ref, revision } = task as SubflowTask;
      yield revision === undefined ? { ref } : { ref, revision };
    } else if (task.type === 'agent') {
      for (const tool of (task as AgentTask).tools) if ('flow' in tool) yield { ref: tool.flow };
    }
  }
}
