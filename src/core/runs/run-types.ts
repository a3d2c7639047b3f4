// Types that cross the Temporal boundary: workflow input and result, query results, update
// arguments and activity payloads. They enter history, so fields are only ever added, optionally.

import type { FlowSpec } from '../spec/flow-spec.js';
import type { TaskDefaultsTable } from '../task-types/run-defaults.js';

/** Run states of the spec. */
export const RUN_STATES = ['QUEUED', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Task run states of the spec. */
export const TASK_RUN_STATES = ['PENDING', 'QUEUED', 'RUNNING', 'RETRYING', 'WAITING', 'COMPLETED', 'CACHED', 'SKIPPED', 'FAILED', 'CANCELLED'] as const;
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
   * Set by a schedule trigger's Temporal Schedule: `inputs` is then a placeholder (and so are
   * `flow` and `revision` unless `fire.carried`), and the run's first step evaluates the trigger's
   * `when` and inputs (workflows/fired-run.ts).
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
  /**
   * Set when the run starts if a saved flow's flow trigger listens to this flow (or a signal says
   * one was saved since): only then does the run end by firing them (workflows/flow-trigger-fire.ts),
   * so a run nobody listens to records no step for them. Absent: none listened.
   */
  downstream?: boolean;
  /**
   * The flow's concurrency slot as asked by the service that started the run, before the start
   * (docs/limits.md, "A free slot at the start"): `granted`, the run holds request `requestId`
   * and asks nothing; not granted, no reply came, so the keeper may hold it: the run asks for its
   * own slot and gives `requestId` back at its end. Absent: the run asks its keeper itself.
   */
  slotAtStart?: { requestId: string; granted: boolean };
  /** Set for a run that restarts another (flow-spec.md, Restart): what it may reuse. Absent: none. */
  restart?: RestartSeed;
  /** Carried across continue-as-new: state of the run so far. */
  resume?: ResumeState;
}

/**
 * What a restarted run starts with (FlowRunInput.restart; enters history). A large seed is
 * claim-checked with the rest of the start input, so history holds a reference.
 */
export interface RestartSeed {
  /** The run this one restarts. */
  restartOf: string;
  /** Where it restarts: tasks from here on run again. Absent: after the last task. */
  from?: { taskId: string; iteration?: number[] };
  /** Task runs that completed before the restart point, by task run key; reused when their configuration digests the same. */
  reuse: Record<string, ReusableTaskRun>;
}

/** A task run a restart may reuse (enters history). */
export interface ReusableTaskRun {
  /** configDigest of the configuration it ran with (src/core/runs/restart-digest.ts). */
  digest: string;
  /** What its activity (child run, approval) answered. */
  output: unknown;
  /** The run that actually ran it, across restarts of restarts. */
  reusedFrom: string;
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
  /**
   * Set by Schedules written since the start carries the revision it fires: `flow`, `revision`,
   * `taskDefaults` and `downstream` of the start input are then real, and the run resolves
   * nothing before its first task. Absent (older Schedules): they are placeholders.
   */
  carried?: boolean;
}

/**
 * The input of the `recordTaskOutput` activity, which an `agent` task schedules once it
 * completed (activity id `<task run key>#<attempt>`): its output is assembled in workflow code,
 * so this is how history holds it for a restart and for `get_task_output` of a closed run.
 */
export interface RecordedTaskOutput {
  /** agentConfigDigest of the configuration the task ran with (restart-digest.ts). */
  digest: string;
  output: unknown;
}

/** Activity type of RecordedTaskOutput. */
export const RECORD_TASK_OUTPUT_ACTIVITY = 'recordTaskOutput';

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
  /** Set when a restart reused this task run: the run that actually ran it; the task run ends COMPLETED. */
  reusedFrom?: string;
  /** An approval's or a sleep's configDigest (restart-digest.ts), so a restart can tell whether it asks or waits the same. */
  digest?: string;
  /** For a CACHED task run: the run and task run that stored the entry, and when. */
  cachedFrom?: CacheOrigin;
  /** While QUEUED: the named limit the task waits for; while PENDING on a named queue: `a worker on queue <name>`. */
  waitingFor?: string;
  /**
   * The identity of the worker that ran the task run's last activity (`weft 4242@host`, with
   * `queue=gpu` for a worker group's); set by the run service from history, never by the workflow.
   */
  worker?: string;
  /** An agent task's tool calls so far, in order: the timeline's nested entries. */
  steps?: AgentStepRecord[];
}

/** One tool call of an agent task in its task run (enters history with the run's timeline). */
export interface AgentStepRecord {
  /** The call's number in the agent's `steps`, from 1. */
  step: number;
  tool: string;
  /** WAITING while a person's approval is pending; FAILED when the model was given an error result. */
  state: 'RUNNING' | 'WAITING' | 'COMPLETED' | 'FAILED';
  startedAt: string;
  endedAt?: string;
}

/** Where a cache entry came from: the run and task run that stored it, and when (ISO 8601; enters history). */
export interface CacheOrigin {
  runId: string;
  taskId: string;
  iteration?: number[];
  at: string;
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
  /** Set for an `agent` tool call waiting for a person: the call's number in the task's steps (from 1). */
  step?: number;
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
  /** The agent tool call it answers (PendingApproval.step); absent for an approval task. */
  step?: number;
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
  /** While the run is QUEUED: what it waits for (its flow's concurrency slot). */
  waitingFor?: string;
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

/**
 * What a closed `foreachBatch` child carries besides its iteration outputs: its task runs, in its
 * result and in its failure's details (enters history; absent from batches run before it was added).
 * The run service shows them nested under their foreach, since the parent's book never holds them.
 */
export interface BatchTaskRuns {
  tasks?: TaskRunRecord[];
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

/** Where an approval waits: its task run, plus `@<step>` for an agent's tool call. */
export function approvalKey(taskId: string, iteration?: number[], step?: number): string {
  const key = taskRunKey(taskId, iteration);
  return step === undefined ? key : `${key}@${step}`;
}

/** Key of a task run: `id`, or `id[3]` / `id[3,1]` inside foreach iterations. */
export function taskRunKey(taskId: string, iteration?: number[]): string {
  return iteration && iteration.length > 0 ? `${taskId}[${iteration.join(',')}]` : taskId;
}
