// A schedule trigger as a Temporal Schedule: its spec (cron in a time zone, or an interval with
// an offset), its policies (overlap, catch-up window) and its action, which starts `flowRun`
// with the revision being saved (each save updates the action, so it is the latest).

import type { ScheduleOptionsAction, ScheduleOverlapPolicy, ScheduleSpec } from '@temporalio/client';
import type { FlowRunInput } from '../../core/runs/run-types.js';
import { FLOW_RUN } from '../../core/runs/run-types.js';
import { runSearchAttributes } from '../../core/runs/search-attributes.js';
import { parseDuration } from '../../core/spec/duration.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { type OverlapPolicy, SCHEDULE_DEFAULTS, type ScheduleTrigger } from '../../core/spec/triggers.js';
import { flowTaskDefaults } from '../../core/task-types/flow-defaults.js';
import { runIdPrefixOf, type ScheduleRole } from './schedule-names.js';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: 'SKIP',
  bufferOne: 'BUFFER_ONE',
  bufferAll: 'BUFFER_ALL',
  cancelOther: 'CANCEL_OTHER',
  terminateOther: 'TERMINATE_OTHER',
  allowAll: 'ALLOW_ALL',
};

/** Temporal's overlap policy for a Weft one. */
export function temporalOverlap(policy: OverlapPolicy): ScheduleOverlapPolicy {
  return OVERLAP[policy];
}

/** When the trigger fires, as a Temporal ScheduleSpec. */
export function scheduleSpecOf(trigger: ScheduleTrigger): ScheduleSpec {
  const jitter = trigger.jitter ? parseDuration(trigger.jitter) : undefined;
  const base: ScheduleSpec = jitter ? { jitter } : {};
  if (trigger.cron !== undefined) return { ...base, cronExpressions: [trigger.cron], timezone: trigger.timezone ?? SCHEDULE_DEFAULTS.timezone };
  const every = parseDuration(trigger.every ?? '') ?? 60_000;
  const offset = trigger.offset ? parseDuration(trigger.offset) : undefined;
  return { ...base, intervals: [{ every, ...(offset ? { offset } : {}) }] };
}

/** Overlap and catch-up, as Temporal's schedule policies. */
export function schedulePoliciesOf(trigger: ScheduleTrigger): { overlap: ScheduleOverlapPolicy; catchupWindow: number; pauseOnFailure: boolean } {
  return {
    overlap: temporalOverlap(trigger.overlap ?? SCHEDULE_DEFAULTS.overlap),
    catchupWindow: parseDuration(trigger.catchupWindow ?? SCHEDULE_DEFAULTS.catchupWindow) ?? 300_000,
    pauseOnFailure: false,
  };
}

/**
 * The start the Schedule makes: `flowRun` carrying the revision, its task defaults and whether
 * flow triggers listen (workflows/fired-run.ts). Carried rather than read by the run's first
 * step, since that read cost each fire a local activity before its first task (bench workload
 * 10); every save and the reconciliation at server start write the action again.
 */
export function scheduleActionOf(fired: FiredRevision, trigger: ScheduleTrigger, role: ScheduleRole, taskQueue: string): ScheduleOptionsAction {
  const { flow, revision } = fired;
  const ref = `${flow.namespace}/${flow.id}`;
  const input: FlowRunInput = {
    flow,
    revision,
    inputs: {},
    trigger: role === 'backfill' ? 'backfill' : 'schedule',
    fire: { flow: ref, triggerId: trigger.id, carried: true },
    taskDefaults: flowTaskDefaults(flow),
    ...(fired.downstream ? { downstream: true } : {}),
  };
  return {
    type: 'startWorkflow',
    workflowType: FLOW_RUN.workflowType,
    taskQueue,
    workflowId: runIdPrefixOf(ref, trigger.id, role),
    args: [input],
    typedSearchAttributes: runSearchAttributes(flow, revision, input.trigger),
    staticSummary: `${ref} ${role === 'backfill' ? 'backfill of' : 'trigger'} ${trigger.id}`,
  };
}

/** The revision a Schedule fires, and whether a flow trigger listens to its flow. */
export interface FiredRevision {
  flow: FlowSpec;
  revision: number;
  downstream: boolean;
}
