// Types that cross the Temporal boundary: workflow input and result, query results, update
// arguments and activity payloads. They enter history, so fields are only ever added, optionally.

import type { FlowSpec } from '../spec/flow-spec.js';
import type { TaskDefaultsTable } from '../task-types/run-defaults.js';

/** Run states of the spec. */
export const RUN_STATES = ['RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Task run states of the spec. */
export const TASK_RUN_STATES = ['PENDING', 'RUNNING', 'RETRYING', 'WAITING', 'COMPLETED', 'CACHED', 'SKIPPED', 'FAILED', 'CANCELLED'] as const;
export type TaskRunState = (typeof TASK_RUN_STATES)[number];

/** Workflow input of `flowRun` (enters history). */
export interface FlowRunInput {
  flow: FlowSpec;
  /** Flow revision this run executes; 0 for a flow that was never saved. */
  revision: number;
  /** Run inputs, already validated and with defaults applied. */
  inputs: Record<string, unknown>;
  /** What started the run: `api`, `cli`, `mcp`, `subflow`, `schedule`, ... */
  trigger: string;
  /** Subflow nesting depth; 0 for a top-level run. */
  depth?: number;
  /** What started the run, in detail: `run.event` (spec, Triggers); absent: `{}`. */
  event?: Record<string, unknown>;
  /**
   * Set by a schedule trigger's Temporal Schedule: `flow`, `revision` and `inputs` are then
   * placeholders, and the run's first step resolves the flow's latest revision and the trigger's
   * inputs (workflows/fired-run.ts).
   */
  fire?: FireRequest;
  /**
   * The rights of whoever started the top run, handed down to every subflow and checked when each
   * one starts; absent: unrestricted (the local user, or a key bound to nothing).
   */
  rights?: RunRights;
  /**
   * Timeout and never-retried error types of each task type the flow uses, read from the types'
   * descriptors when the run starts (flowTaskDefaults), so the workflow needs no registry and a
   * run keeps the defaults it started with. Absent: no type defaults.
   */
  taskDefaults?: TaskDefaultsTable;
  /** Carried across continue-as-new: state of the run so far. */
  resume?: ResumeState;
}

/** Memo key under which a fired run records what it resolved (FiredRunMemo). */
export const FIRED_RUN_MEMO = 'weftFired';

/** What a run started by a Schedule resolved in its first step, kept in its memo for get_run (enters history). */
export interface FiredRunMemo {
  revision: number;
  inputs: Record<string, unknown>;
  event: Record<string, unknown>;
}

/** Which trigger of which flow a scheduled start fires (enters history). */
export interface FireRequest {
  /** `namespace/id` of the flow. */
  flow: string;
  triggerId: string;
}

/** What a restricted caller may run, for a whole tree of runs (enters history). */
export interface RunRights {
  /** Who started the top run, for messages and logs: `key:<prefix>`. */
  caller: string;
  /** The one namespace whose flows the tree may run; absent: any. */
  namespace?: string;
  /** Whether flows with `script` tasks may run in the tree. */
  scripts: boolean;
}

/** State carried across continue-as-new (enters history). */
export interface ResumeState {
  nextTaskIndex: number;
  outputs: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: TaskRunRecord[];
  startedAt: string;
}

/** An error as recorded on a task run. `type` is what `retry.nonRetryable` matches. */
export interface TaskError {
  type: string;
  message: string;
}

/** One task run (a task in one iteration). `iteration` is the foreach index path, outermost first. */
export interface TaskRunRecord {
  id: string;
  type: string;
  state: TaskRunState;
  attempts: number;
  iteration?: number[];
  startedAt?: string;
  endedAt?: string;
  error?: TaskError;
  allowedFailure?: boolean;
  /** For foreach: iterations finished so far and in all. */
  progress?: { done: number; total: number };
  /** Model tokens this task run used (llm tasks; every attempt and repair round). */
  usage?: TokenUsageTotal;
  /** Set when the task's answer came from the cache; the task run ends CACHED. */
  cached?: boolean;
}

/** Tokens and estimated cost, per task run and summed per run. */
export interface TokenUsageTotal {
  inputTokens: number;
  outputTokens: number;
  costUsd?: number;
}

/** A pending approval as the run shows it. */
export interface PendingApproval {
  taskId: string;
  iteration?: number[];
  message: string;
  approvers: 'human' | 'any';
  fields?: Record<string, unknown>;
  requestedAt: string;
  expiresAt?: string;
}

/** Arguments of the `respondToApproval` update. `approver` says who answers: a person or an agent. */
export interface ApprovalResponse {
  taskId: string;
  iteration?: number[];
  approved: boolean;
  by: string;
  approver: 'human' | 'agent';
  comment?: string;
  data?: Record<string, unknown>;
}

/** Output of an approval task. */
export interface ApprovalOutput {
  approved: boolean;
  by: string;
  comment: string | null;
  data: Record<string, unknown>;
  respondedAt: string;
}

/** The decision an approval already has, as a refused later answer reports it. */
export interface ApprovalDecision {
  approved: boolean;
  by: string;
  respondedAt: string;
}

/** Failure type the update validator gives an answer to an approval that is already decided. */
export const APPROVAL_ALREADY_DECIDED = 'ApprovalAlreadyDecided';

/** Arguments of the paged `taskRuns` query. */
export interface TaskRunsQuery {
  offset?: number;
  limit?: number;
}

/** Result of the `taskRuns` query. */
export interface TaskRunsPage {
  state: RunState;
  total: number;
  offset: number;
  tasks: TaskRunRecord[];
  pendingApprovals: PendingApproval[];
}

/** Arguments of the `taskOutput` query: one task run's output. */
export interface TaskOutputQuery {
  taskId: string;
  iteration?: number[];
}

/** Result of the `taskOutput` query; `found: false` when the task run has no output (yet). */
export interface TaskOutputResult {
  found: boolean;
  output?: unknown;
}

/** Workflow result of a completed run (enters history). */
export interface FlowRunResult {
  state: 'COMPLETED';
  outputs: Record<string, unknown>;
  tasks: TaskRunRecord[];
}

/** Failure details of a failed run, carried in the ApplicationFailure details. */
export interface FlowRunFailureDetails {
  state: 'FAILED' | 'TIMED_OUT';
  failedTask?: { id: string; iteration?: number[]; error: TaskError };
  tasks: TaskRunRecord[];
}

/** Reference that replaces an output too large for history; fetch it from the output store. */
export interface StoredOutputRef {
  $weftOutputRef: string;
  bytes: number;
}

/** Failure types the interpreter raises; stable, matched by clients. */
export const RUN_FAILURE_TYPES = { failed: 'WeftRunFailed', timedOut: 'WeftRunTimedOut' } as const;

/** Names of the workflow's query, update and the Weft search attributes. */
export const FLOW_RUN = {
  workflowType: 'flowRun',
  batchWorkflowType: 'foreachBatch',
  taskRunsQuery: 'taskRuns',
  taskOutputQuery: 'taskOutput',
  approvalUpdate: 'respondToApproval',
} as const;

/** The deterministic update id of an approval answer, so a repeated answer is the same update. */
export function approvalUpdateId(taskId: string, iteration?: number[]): string {
  return `approval:${taskRunKey(taskId, iteration)}`;
}

/** Key of a task run: `id`, or `id[3]` / `id[3,1]` inside foreach iterations. */
export function taskRunKey(taskId: string, iteration?: number[]): string {
  return iteration && iteration.length > 0 ? `${taskId}[${iteration.join(',')}]` : taskId;
}
