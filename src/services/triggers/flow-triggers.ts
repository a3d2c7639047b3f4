// Flow triggers: as an upstream run ends, start one run of every saved flow whose flow trigger
// listens to it and to how it ended, through RunService (trigger `flow`), with an idempotency key
// made of the upstream run id and the trigger, so a repeated call (a worker that died after
// starting some) attaches instead of starting twice. Also the save-time check that an upstream
// flow is readable by whoever saves the downstream one.

import type { Client } from '@temporalio/client';
import { WeftError } from '../../core/errors.js';
import { toCel } from '../../core/expressions/cel-values.js';
import { renderValue } from '../../core/expressions/evaluate.js';
import type { LogLine } from '../../core/runs/activity-io.js';
import {
  type FiredFlowTrigger,
  type FireFlowTriggersInput,
  type FireFlowTriggersResult,
  FLOW_TRIGGERS_SAVED_SIGNAL,
  type FlowTriggerEvent,
  listensFor,
  MAX_FLOW_TRIGGER_DEPTH,
} from '../../core/runs/flow-trigger-io.js';
import { FLOW_RUN } from '../../core/runs/run-types.js';
import { WEFT_FLOW } from '../../core/runs/search-attributes.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import type { FlowTrigger } from '../../core/spec/triggers.js';
import type { FlowDetail, FlowService } from '../flow-service.js';
import { FlowNotFoundError } from '../flows/flow-catalog.js';
import type { LogSink } from '../logs/log-sink.js';
import { IdempotencyConflictError, type RunService } from '../run-service.js';
import type { Store } from '../store/database.js';
import { StoreUnavailableError } from '../store/store-availability.js';
import { enabledFlowTriggers, type FlowTriggerLink, listenersOf, recordFlowTriggerFire } from './flow-trigger-links.js';

const WHEN_FALSE = 'when is false';

/** Task id of the upstream run's log lines about its flow triggers. */
export const FLOW_TRIGGER_LOG_TASK = '(flow-triggers)';

/** The idempotency key of the run a flow trigger starts for one upstream run: one run per upstream run and trigger. */
export function flowTriggerKey(upstreamRunId: string, triggerId: string): string {
  return `flow:${upstreamRunId}:${triggerId}`;
}

/** Thrown at save when an upstream flow of a flow trigger is outside what the saver may read. */
export class UpstreamFlowNotReadableError extends WeftError {
  constructor(
    readonly path: string,
    readonly upstream: string,
    allowed: string,
  ) {
    super('UPSTREAM_FLOW_NOT_READABLE', `${path} names ${upstream}, which this caller may not read: it may read flows of ${allowed} only`, {
      hint: `listen only to flows of ${allowed}, or save the flow with a key that may read ${upstream}`,
    });
  }
}

/**
 * Throws UpstreamFlowNotReadableError for the first upstream flow of `spec`'s flow triggers that
 * `mayRead` refuses (a key bound to one namespace reads only that namespace). `allowed` names
 * what the caller may read, for the message.
 */
export function assertUpstreamsReadable(spec: FlowSpec, mayRead: (namespace: string) => boolean, allowed: string): void {
  for (const trigger of (spec.triggers ?? []).filter((t): t is FlowTrigger => t.type === 'flow')) {
    for (const [i, upstream] of trigger.flows.entries()) {
      const namespace = upstream.slice(0, upstream.indexOf('/'));
      if (!mayRead(namespace)) throw new UpstreamFlowNotReadableError(`triggers.${trigger.id}.flows[${i}]`, upstream, allowed);
    }
  }
}

/**
 * What `list_triggers` says about a flow trigger's upstream flows: one that is not saved (yet)
 * is allowed at save, since it may be saved later, and fires nothing until it is.
 */
export async function upstreamWarnings(flows: FlowService, trigger: FlowTrigger): Promise<string[]> {
  const warnings: string[] = [];
  for (const upstream of trigger.flows) {
    const found = await flows.get(upstream).then(
      () => true,
      (error: unknown) => {
        if (error instanceof FlowNotFoundError) return false;
        throw error;
      },
    );
    if (!found) warnings.push(`upstream flow ${upstream} is not saved, so this trigger fires nothing until it is`);
  }
  return warnings;
}

/** What a save says about a flow's enabled flow triggers: upstream flows not saved (yet). */
export async function flowTriggerWarnings(flows: FlowService, spec: FlowSpec): Promise<string[]> {
  const warnings: string[] = [];
  for (const trigger of enabledFlowTriggers(spec)) warnings.push(...(await upstreamWarnings(flows, trigger)).map((w) => `triggers.${trigger.id}: ${w}`));
  return warnings;
}

/** Most running upstream runs one save tells of its flow triggers, per upstream flow. */
const MAX_TOLD_RUNS = 1000;

/**
 * Signals the runs of `detail`'s upstream flows that are running now: they started before this
 * save, so they did not know of its flow triggers (FlowRunInput.downstream), and now fire them as
 * they end. Best effort: a run that ends meanwhile, or Temporal's visibility lagging behind a run
 * started a moment ago, leaves that run unfired; a failure never fails the save.
 */
export async function tellRunningUpstreams(client: Client, detail: FlowDetail | undefined): Promise<void> {
  if (detail?.kind !== 'declarative') return;
  const upstreams = new Set(enabledFlowTriggers(detail.spec).flatMap((t) => t.flows));
  for (const upstream of upstreams) {
    try {
      const query = `${WEFT_FLOW.name} = '${upstream}' AND ExecutionStatus = 'Running' AND WorkflowType = '${FLOW_RUN.workflowType}'`;
      let told = 0;
      for await (const run of client.workflow.list({ query })) {
        await client.workflow
          .getHandle(run.workflowId, run.runId)
          .signal(FLOW_TRIGGERS_SAVED_SIGNAL)
          .catch(() => undefined);
        if (++told >= MAX_TOLD_RUNS) break;
      }
    } catch {
      // Visibility unavailable: runs started from now on know of the trigger anyway.
    }
  }
}

/** Fires the flow triggers listening to an upstream run that ended. */
export class FlowTriggerFirer {
  constructor(
    private readonly store: Store,
    private readonly flows: FlowService,
    private readonly logs?: LogSink,
  ) {}

  /**
   * Starts (or attaches to) one run per listening trigger whose `states` hold how the run ended
   * and whose `when` holds. A trigger whose `when` or `inputs` fail, or whose run would pass the
   * depth limit, is reported as skipped and logged on the upstream run; infrastructure errors
   * (Temporal or the store away) are thrown, so the activity is retried and attaches to what started.
   */
  async fire(request: FireFlowTriggersInput, runs: RunService): Promise<FireFlowTriggersResult> {
    const fired: FiredFlowTrigger[] = [];
    const lines: LogLine[] = [];
    for (const link of await listenersOf(this.store.db, request.flow)) {
      const outcome = await this.fireOne(request, link, runs);
      if (!outcome) continue;
      fired.push(outcome);
      lines.push(this.line(request, outcome));
      if (outcome.runId) await recordFlowTriggerFire(this.store.db, request.flow, { ...link, runId: outcome.runId }, new Date().toISOString());
    }
    if (lines.length) await this.logs?.write(lines);
    return { fired };
  }

  private async fireOne(request: FireFlowTriggersInput, link: FlowTriggerLink, runs: RunService): Promise<FiredFlowTrigger | undefined> {
    const base = { flow: link.flow, triggerId: link.triggerId };
    const detail = await this.flows.get(link.flow).catch((error: unknown) => {
      if (error instanceof WeftError && !(error instanceof StoreUnavailableError)) return undefined;
      throw error;
    });
    // The link is written with the revision, so this holds; a flow deleted meanwhile fires nothing.
    const trigger = detail?.kind === 'declarative' ? enabledFlowTriggers(detail.spec).find((t) => t.id === link.triggerId) : undefined;
    if (!detail || !trigger?.flows.includes(request.flow) || !listensFor(trigger.states, request.state)) return undefined;
    const depth = request.depth + 1;
    if (depth > MAX_FLOW_TRIGGER_DEPTH)
      return { ...base, skipped: `the chain of flow triggers would be ${depth} deep; the limit is ${MAX_FLOW_TRIGGER_DEPTH}, so no run started` };
    const event: FlowTriggerEvent = {
      id: trigger.id,
      flow: request.flow,
      runId: request.runId,
      state: request.state,
      outputs: request.outputs,
      inputs: request.inputs,
      depth,
    };
    const field = `triggers.${trigger.id}`;
    try {
      const scope = { trigger: toCel(event) };
      if (trigger.when !== undefined && renderValue(trigger.when, scope, `${field}.when`) !== true) return { ...base, skipped: WHEN_FALSE };
      const inputs = renderValue(trigger.inputs ?? {}, scope, `${field}.inputs`) as Record<string, unknown>;
      const idempotencyKey = flowTriggerKey(request.runId, trigger.id);
      const { runId, started } = await runs.start({ flow: link.flow, inputs, idempotencyKey, trigger: 'flow', event }, detail);
      return { ...base, runId, started };
    } catch (error) {
      // The key names one run per upstream run and trigger: a start repeated with other inputs
      // (the downstream flow was saved again in between) is the same fire, already done.
      if (error instanceof IdempotencyConflictError) return { ...base, runId: error.runId, started: false };
      if (error instanceof WeftError && !(error instanceof StoreUnavailableError)) return { ...base, skipped: error.message };
      throw error;
    }
  }

  /** One line on the upstream run per downstream trigger; the same id on a repeat, so it is stored once. */
  private line(request: FireFlowTriggersInput, outcome: FiredFlowTrigger): LogLine {
    const name = `flow trigger ${outcome.triggerId} of ${outcome.flow}`;
    const message = outcome.skipped
      ? `${name} did not start a run: ${outcome.skipped}`
      : `${name} ${outcome.started ? 'started' : 'attached to'} run ${outcome.runId} (depth ${request.depth + 1})`;
    return {
      id: `${request.runId}|${FLOW_TRIGGER_LOG_TASK}|${outcome.flow}|${outcome.triggerId}`,
      runId: request.runId,
      flow: request.flow,
      taskId: FLOW_TRIGGER_LOG_TASK,
      attempt: 1,
      level: outcome.skipped && outcome.skipped !== WHEN_FALSE ? 'warn' : 'info',
      message,
      time: new Date().toISOString(),
    };
  }
}
