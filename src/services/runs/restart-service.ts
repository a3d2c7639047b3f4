// Restarting an ended run (flow-spec.md, Restart): a new run of the same (or the latest)
// revision, with `restartOf` set, seeded with the outputs of the task runs that completed
// before the restart point; the workflow reuses each one whose configuration renders the same.
// Not Temporal's reset: the new run is a new workflow, and the original stays as it ended.

import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { FlowRunInput, RestartSeed, ReusableTaskRun, RunRights } from '../../core/runs/run-types.js';
import { WEFT_RESTART_OF, WEFT_WAITING } from '../../core/runs/search-attributes.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import type { FlowService } from '../flow-service.js';
import { assertRunRights } from '../security/tool-policy.js';
import { historyValues } from '../temporal/history-payloads.js';
import { RestartNotSupportedError, RestartRunNotFoundError, RunStillGoingError } from './restart-errors.js';
import { type RecordedRun, recordedTaskRuns } from './restart-history.js';
import { beforePoint, choosePoint, type RestartPoint, taskPlaces } from './restart-plan.js';
import { flowRunLaunch, launchRun, RUN_MEMO } from './run-client.js';
import type { RunDetail } from './run-detail.js';

/** What to restart, and how. */
export interface RestartRunRequest {
  runId: string;
  /** The task to restart from; default: the run's failed task (required for a run that did not fail). */
  fromTask?: string;
  /** `same` (default): the revision the run ran; `latest`: the flow's latest saved revision. */
  revision?: 'same' | 'latest';
  /**
   * Inputs that replace the run's own; the others stay. A function receives the flow that will
   * run, for callers that type raw values by its declared inputs (the CLI's `k=v`).
   */
  inputs?: Record<string, unknown> | ((flow: FlowSpec) => Record<string, unknown>);
}

/** What a restart started. */
export interface RestartRunResult {
  runId: string;
  restartOf: string;
  revision: number;
  /** Where it restarts; absent: after the last task (the original failed in its outputs). */
  from?: RestartPoint;
  /** Task run keys the new run may reuse (it reuses those whose configuration renders the same). */
  reusable: string[];
}

/** What the restart needs of the run service. */
export interface RestartDeps {
  client: Client;
  flows: FlowService;
  taskQueue: string;
  /** The original run as `get_run` shows it. */
  readRun: (runId: string) => Promise<RunDetail>;
}

/** Starts a run that restarts `request.runId`; refuses a run still going, a bad restart point, a run Temporal no longer has. */
export async function restartRun(deps: RestartDeps, request: RestartRunRequest, rights?: RunRights): Promise<RestartRunResult> {
  const { client } = deps;
  const handle = client.workflow.getHandle(request.runId);
  let description: Awaited<ReturnType<typeof handle.describe>>;
  try {
    description = await handle.describe();
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') throw new RestartRunNotFoundError(request.runId);
    throw error;
  }
  const kind = String(description.memo?.[RUN_MEMO.kind] ?? 'declarative');
  if (kind !== 'declarative') throw new RestartNotSupportedError(request.runId, kind);
  if (description.status.name === 'RUNNING')
    throw new RunStillGoingError(request.runId, description.typedSearchAttributes.get(WEFT_WAITING) ? 'WAITING' : 'RUNNING');
  const original = await deps.readRun(request.runId);
  const events = (await handle.fetchHistory()).events ?? [];
  const started = (await historyValues(client.options.loadedDataConverter, events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []))[0] as
    | FlowRunInput
    | undefined;
  const target = await targetFlow(deps.flows, original, started, request.revision ?? 'same');
  assertRunRights(target.flow, rights);
  const places = taskPlaces(target.flow);
  const recorded = await recordedTaskRuns(client, original.runId, events);
  // A failure inside a foreach batch reaches the run as the foreach's: restart from the task run inside it.
  const failedTask = original.error?.taskId;
  const inner = failedTask !== undefined && places.get(failedTask)?.task.type === 'foreach' ? recorded.failedInBatch : undefined;
  const from = choosePoint(target.flow, places, inner ? { ...original, error: inner } : original, request.fromTask);
  const reuse = reusableRuns(original, started, recorded.taskRuns);
  const seed: RestartSeed = { restartOf: original.runId, ...(from ? { from } : {}), reuse: {} };
  for (const [key, entry] of Object.entries(reuse)) if (beforePoint(places, key, from)) seed.reuse[key] = entry;

  const runId = await launchRestart(deps, target, original, seed, request.inputs, rights);
  return { runId, restartOf: original.runId, revision: target.revision, ...(from ? { from } : {}), reusable: Object.keys(seed.reuse) };
}

/** Starts the restarted run: the run's own inputs the flow still declares, then the new ones; the seed; the lineage. */
async function launchRestart(
  deps: RestartDeps,
  target: { flow: FlowSpec; revision: number },
  original: RunDetail,
  seed: RestartSeed,
  newInputs: RestartRunRequest['inputs'],
  rights: RunRights | undefined,
): Promise<string> {
  const given = typeof newInputs === 'function' ? newInputs(target.flow) : (newInputs ?? {});
  const declared = new Set((target.flow.inputs ?? []).map((i) => i.id));
  // The run's own inputs that the flow that runs still declares, then the new ones.
  const inputs = { ...Object.fromEntries(Object.entries(original.inputs).filter(([id]) => declared.has(id))), ...given };
  const runId = `${target.flow.namespace}.${target.flow.id}-${randomUUID()}`;
  const launch = flowRunLaunch(
    {
      flow: target.flow,
      revision: target.revision,
      inputs,
      taskQueue: deps.taskQueue,
      trigger: 'restart',
      event: { runId: original.runId },
      runId,
      idempotent: false,
    },
    // A restarted run is a run of its flow: flow triggers listening to it fire as it ends.
    { ...(rights ? { rights } : {}), ...((await deps.flows.listenedTo(`${target.flow.namespace}/${target.flow.id}`)) ? { downstream: true } : {}) },
  );
  (launch.args[0] as FlowRunInput).restart = seed;
  // Lineage in the Web UI and for `restarts`: the run it restarts, as a search attribute.
  launch.searchAttributes = new TypedSearchAttributes([...launch.searchAttributes.getAll(), { key: WEFT_RESTART_OF, value: original.runId }]);
  launch.summary = `${launch.summary}, restart of ${original.runId}`;
  await launchRun(deps.client, launch);
  return runId;
}

/** The flow the restart runs: the one the run ran (as it ran it), or the latest saved revision. */
async function targetFlow(
  flows: FlowService,
  original: RunDetail,
  started: FlowRunInput | undefined,
  revision: 'same' | 'latest',
): Promise<{ flow: FlowSpec; revision: number }> {
  if (revision === 'latest') return flows.resolve(original.flow);
  // A run a Schedule started holds a placeholder flow: its revision is read from the catalog.
  if (!started || started.fire) return flows.resolve(original.flow, original.revision);
  return { flow: started.flow, revision: started.revision };
}

/**
 * Task runs of the original that completed, with what they answered and the digest of their
 * configuration: what it ran itself (history), and what it reused in turn (its own seed, with the
 * run that actually ran them). Task runs the original shows unfinished or failed are left out.
 */
function reusableRuns(original: RunDetail, started: FlowRunInput | undefined, recordedRuns: RecordedRun['taskRuns']): Record<string, ReusableTaskRun> {
  const records = new Map(original.tasks.map((t) => [t.iteration?.length ? `${t.id}[${t.iteration.join(',')}]` : t.id, t]));
  const reuse: Record<string, ReusableTaskRun> = { ...(started?.restart?.reuse ?? {}) };
  for (const [key, recorded] of recordedRuns) {
    const digest = recorded.digest ?? records.get(key)?.digest;
    if (digest !== undefined) reuse[key] = { digest, output: recorded.output, reusedFrom: original.runId };
  }
  // A completed sleep recorded its digest on its task run; reusing it means not waiting again.
  for (const [key, record] of records) {
    if (record.type === 'sleep' && record.state === 'COMPLETED' && record.digest && !record.reusedFrom) {
      reuse[key] = { digest: record.digest, output: {}, reusedFrom: original.runId };
    }
  }
  for (const key of Object.keys(reuse)) {
    const record = records.get(key);
    if (record && record.state !== 'COMPLETED' && record.state !== 'CACHED') delete reuse[key];
  }
  return reuse;
}

/** Most restarts of one run listed by `get_run`. */
const MAX_RESTARTS = 50;

/** The runs that restart `runId`, newest first (Temporal visibility: a restart shows within a second or so). */
export async function listRestarts(client: Client, runId: string): Promise<string[]> {
  const quoted = `'${runId.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  try {
    const response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: `${WEFT_RESTART_OF.name} = ${quoted}`,
      pageSize: MAX_RESTARTS,
    });
    return (response.executions ?? []).map((e) => e.execution?.workflowId ?? '').filter((id) => id !== '');
  } catch (error) {
    // A namespace that lacks the attribute holds no restart (a restart sets it, and fails without it).
    if (/is not a valid search attribute/.test((error as Error).message)) return [];
    throw error;
  }
}
