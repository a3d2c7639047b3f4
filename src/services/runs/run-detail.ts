// The one shape of a run that every adapter shows (MCP `get_run`, `weft run get`, the example
// run of `weft dev`): the service builds it, the CLI prints it, and MCP's output schema is
// checked against it at compile time (mcp/run-view.ts).

import type { PendingApproval, RunState, TaskRunRecord, TokenUsageTotal } from '../../core/runs/run-types.js';

/** Why a run did not complete: the failing task run (id and foreach iteration) when one failed. */
export interface RunError {
  taskId?: string;
  iteration?: number[];
  type: string;
  message: string;
}

export interface RunDetail {
  runId: string;
  /** `namespace/id` of the flow; empty when the run's start input cannot be read. */
  flow: string;
  /** The flow revision run; 0 for a flow run from a file without being saved. */
  revision: number;
  state: RunState;
  inputs: Record<string, unknown>;
  /** What started the run (`run.trigger`: mcp, cli, api, schedule, backfill, ...). */
  trigger?: string;
  /** The details of what started it (`run.event`); `{}` for a direct start. */
  event?: Record<string, unknown>;
  /** The run this one restarts (flow-spec.md, Restart). */
  restartOf?: string;
  /** Runs that restart this one, newest first (at most 50); absent when none. */
  restarts?: string[];
  outputs?: Record<string, unknown>;
  error?: RunError;
  tasks: TaskRunRecord[];
  approvals: PendingApproval[];
  startedAt: string;
  endedAt?: string;
  /** Model tokens (and estimated cost) summed over the run's task runs; absent when none were used. */
  usage?: TokenUsageTotal;
  /**
   * A run that did not complete: the outputs of its top-level tasks that completed, by task id
   * (its `outputs` are evaluated only when it completes). Outputs of foreach iterations are
   * read one at a time (`RunService.taskOutputPage`).
   */
  taskOutputs?: Record<string, unknown>;
  /**
   * A QUEUED run: what it waits for (its flow's concurrency slot, e.g. `concurrency of demo/etl [acme]`);
   * a code flow's or registered workflow's run that no worker has taken up: `a worker on task queue <name>`.
   */
  waitingFor?: string;
}

/** What a worker answers about a run it is running (or replays): a part of the run's detail. */
export type LiveRun = Pick<RunDetail, 'runId' | 'state' | 'tasks' | 'approvals' | 'waitingFor'>;

/** A closed run as read without the flow catalog (tests, the history recorder): a part of the run's detail. */
export type RunView = Pick<RunDetail, 'runId' | 'state' | 'outputs' | 'tasks' | 'error' | 'approvals'>;
