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
import { namedTaskQueue, taskQueues } from '../src/core/spec/task-queues.js';
import type { TaskDefaultsTable } from '../src/core/task-types/run-defaults.js';
import type { Frame } from './frame.js';
import type { RestartBook } from './restart-seed.js';
import { runLogs } from './run-log-sink.js';
import { TaskBook } from './task-book.js';
import { TaskEvents } from './task-events.js';

export type WeftActivities = ReturnType<typeof createActivities>;

/**
 * Activity retry below the task level: only infrastructure failures reach it (activities raise
 * task errors as non-retryable), so it may retry without bound and never consumes an attempt.
 */
const INFRASTRUCTURE_RETRY = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' } as const;

/**
 * The patch that sends a task's activities to its worker group's task queue (flow-spec `queue`).
 * Only a task with a named queue asks for it, so runs without one record no marker; a history
 * that reached such a task without the marker replays the path before it, Weft's own queue.
 */
export const WORKER_GROUPS_PATCH = 'worker-groups';

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
  private queues: Map<string, string> | undefined;
  /** The rights of whoever started the top run, handed to every subflow (FlowRunInput.rights). */
  rights: RunRights | undefined;
  /** Per-type defaults the run started with (FlowRunInput.taskDefaults); read with `defaultsOf`. */
  taskDefaults: TaskDefaultsTable | undefined;
  /** Set in a restarted run: the task runs it may reuse (FlowRunInput.restart). */
  restart: RestartBook | undefined;
  /**
   * Set in a foreach batch, whose flow holds no tasks: its iterations' tasks, and the foreach's
   * queue as their default (ForeachBatchInput `flow.queue`), for `queueOf`.
   */
  queueScope: { queue?: string; tasks: readonly unknown[] } | undefined;

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
    this.events = new TaskEvents(taskEvents, runId, `${flow.namespace}/${flow.id}`, (lines) => runLogs.write(lines));
  }

  /**
   * Activity proxy for one task attempt; the activity id and summary carry the task path. `taskId`
   * names the task whose `queue` (own, inherited or the flow's) decides the task queue.
   */
  activities(key: string, attempt: number, summary: string, startToCloseMs: number, taskId?: string): WeftActivities {
    const options: ActivityOptions = {
      activityId: `${key}#${attempt}`,
      summary: summary.slice(0, 200),
      startToCloseTimeout: startToCloseMs,
      heartbeatTimeout: HEARTBEAT_TIMEOUT,
      retry: INFRASTRUCTURE_RETRY,
    };
    const queue = taskId === undefined ? undefined : this.queueOf(taskId);
    if (queue !== undefined && patched(WORKER_GROUPS_PATCH)) options.taskQueue = namedTaskQueue(workflowInfo().taskQueue, queue);
    const acts = proxyActivities<WeftActivities>(options);
    return this.restart ? this.restart.activities(acts, key, attempt) : acts;
  }

  /** The named queue of a task's activities, or undefined for Weft's own; the flow is walked once, when first asked. */
  queueOf(taskId: string): string | undefined {
    this.queues ??= taskQueues(this.queueScope ?? this.flow);
    return this.queues.get(taskId);
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

  /** Short bookkeeping activities (output storage, flow lookup). */
  readonly local = proxyLocalActivities<WeftActivities>({ startToCloseTimeout: '30s', retry: INFRASTRUCTURE_RETRY });

  /** Keeps the WeftWaiting search attribute in step with pending approvals. */
  updateWaiting(): void {
    const waiting = this.book.approvals.size > 0;
    if (waiting === this.waiting) return;
    this.waiting = waiting;
    upsertSearchAttributes([{ key: WEFT_WAITING, value: waiting }]);
  }
}
