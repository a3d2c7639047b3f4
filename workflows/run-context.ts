// What every part of the interpreter shares for one workflow execution: the flow, the task
// book, activity proxies and approval answers. Deterministic state only.

import {
  type ActivityOptions,
  inWorkflowContext,
  patched,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { SECRET_NONCE_KEY } from '../src/core/expressions/cel-environment.js';
import { meterActivations } from '../src/core/expressions/cost-budget.js';
import type { CelScope } from '../src/core/expressions/evaluate.js';
import type { TaskContext } from '../src/core/runs/activity-io.js';
import type { ApprovalOutput, RunRights } from '../src/core/runs/run-types.js';
import { WEFT_WAITING } from '../src/core/runs/search-attributes.js';
import type { FlowSpec } from '../src/core/spec/flow-spec.js';
import type { Frame } from './frame.js';
import { LOG_SINK_PATCH, runLogs } from './run-log-sink.js';
import { TaskBook } from './task-book.js';
import { TASK_EVENTS_PATCH, TaskEvents } from './task-events.js';

/** Patch id of the lean task path (see `lean` below). */
export const LEAN_TASKS_PATCH = 'lean-tasks';

/** Patch id of in-place steps (see `inPlaceSteps` below). */
export const IN_PLACE_STEPS_PATCH = 'in-place-steps';

export type WeftActivities = ReturnType<typeof createActivities>;

/**
 * Activity retry below the task level: only infrastructure failures reach it (activities raise
 * task errors as non-retryable), so it may retry without bound and never consumes an attempt.
 */
const INFRASTRUCTURE_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' } as const;

/** How often a running activity must heartbeat before Temporal declares its worker lost. */
export const HEARTBEAT_TIMEOUT = '10s';

// Expressions evaluated in one workflow task share a budget (cost-budget.ts). A workflow task is
// named by the execution and its history length, which replays the same (see foreach.ts).
meterActivations(() => {
  if (!inWorkflowContext()) return undefined;
  const info = workflowInfo();
  return `${info.workflowId}/${info.runId}#${info.historyLength}`;
});

export class RunContext {
  readonly book: TaskBook;
  readonly approvalAnswers = new Map<string, ApprovalOutput>();
  /** Outputs by task run key (`id`, `id[3]`), for the `taskOutput` query; references, not copies. */
  readonly outputs = new Map<string, unknown>();
  /** Task lifecycle events waiting for their write to the run logs. */
  readonly events: TaskEvents;
  private waiting = false;
  private nonce: string | undefined;
  /** The rights of whoever started the top run, handed to every subflow (FlowRunInput.rights). */
  rights: RunRights | undefined;
  /**
   * Started since the `log-sink` patch: logs go through the sink, and the interpreter takes its
   * shorter promise chain for single-attempt tasks (both change the order of work in a run).
   */
  readonly sinceLogSink: boolean;
  /**
   * Started since the `lean-tasks` patch (which implies `log-sink`): task runs and foreach
   * iterations are driven by promise callbacks instead of async layers, and a foreach keeps up to
   * 1,000 items in this history instead of 200 (both change when commands are issued).
   */
  readonly lean: boolean;
  /**
   * Started since the `in-place-steps` patch (which implies `lean-tasks`): `set`, `log` and
   * `fail` tasks of one attempt end in place, without a promise, and a task list is one promise
   * that each waiting task moves on from its own callback (fewer microtasks between commands).
   */
  readonly inPlaceSteps: boolean;

  constructor(
    readonly runId: string,
    readonly flow: FlowSpec,
    readonly revision: number,
    readonly depth: number,
    book?: TaskBook,
    /** false: no task events (code flows, which have no end-of-run hook to write them). */
    taskEvents = true,
  ) {
    this.book = book ?? new TaskBook();
    // Decided once, at the start of the execution: a run that began before the patch keeps the
    // old command sequence for its whole life, even after its replay has caught up.
    // Newest path first: a new run records the newest marker only and never asks for the older
    // patches (one marker, and one TemporalChangeVersion upsert, instead of several); older runs
    // find no such marker and go on to the patch they were started under.
    this.inPlaceSteps = taskEvents && patched(IN_PLACE_STEPS_PATCH);
    this.lean = this.inPlaceSteps || (taskEvents && patched(LEAN_TASKS_PATCH));
    const viaSink = this.lean || (taskEvents && patched(LOG_SINK_PATCH));
    this.sinceLogSink = viaSink;
    const enabled = viaSink || (taskEvents && patched(TASK_EVENTS_PATCH));
    this.events = new TaskEvents(
      enabled,
      runId,
      `${flow.namespace}/${flow.id}`,
      (lines) => this.local.writeLogs(lines),
      viaSink ? (lines) => runLogs.write(lines) : undefined,
    );
  }

  /** Activity proxy for one task attempt; the activity id and summary carry the task path. */
  activities(key: string, attempt: number, summary: string, startToCloseMs: number): WeftActivities {
    const options: ActivityOptions = {
      activityId: `${key}#${attempt}`,
      summary: summary.slice(0, 200),
      startToCloseTimeout: startToCloseMs,
      heartbeatTimeout: HEARTBEAT_TIMEOUT,
      retry: INFRASTRUCTURE_RETRY,
    };
    return proxyActivities<WeftActivities>(options);
  }

  /**
   * This execution's secret nonce: `secret()` markers carry it and the activity resolves only
   * markers that do. Drawn from the workflow's seeded random source (no command, the same on
   * replay) when first needed, after the inputs are fixed, so no input can carry it.
   */
  get secretNonce(): string {
    this.nonce ??= uuid4().replace(/-/g, '');
    return this.nonce;
  }

  /** The scope of fields where `secret()` is allowed: the frame's, plus the nonce. */
  secretScope(frame: Frame): CelScope {
    return { ...frame.scope(), [SECRET_NONCE_KEY]: this.secretNonce };
  }

  /** What an I/O task's activity is told about its run, for logs, output storage and secrets. */
  taskContext(taskId: string, iteration: number[] | undefined, attempt: number): TaskContext {
    return {
      runId: this.runId,
      flow: `${this.flow.namespace}/${this.flow.id}`,
      taskId,
      ...(iteration ? { iteration } : {}),
      attempt,
      ...(this.events.enabled ? { taskEvents: true } : {}),
      secretNonce: this.secretNonce,
    };
  }

  /** Short bookkeeping activities (logs, output storage, flow lookup). */
  readonly local = proxyLocalActivities<WeftActivities>({ startToCloseTimeout: '30s', retry: INFRASTRUCTURE_RETRY });

  /** Keeps the WeftWaiting search attribute in step with pending approvals. */
  updateWaiting(): void {
    const waiting = this.book.approvals.size > 0;
    if (waiting === this.waiting) return;
    this.waiting = waiting;
    upsertSearchAttributes([{ key: WEFT_WAITING, value: waiting }]);
  }
}
