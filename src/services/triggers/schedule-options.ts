// A schedule trigger as a Temporal Schedule: its spec (cron in a time zone, or an interval with
// an offset), its policies (overlap, catch-up window) and its action, which starts `flowRun`
// with only the flow and trigger named (the run resolves the latest revision itself).

import type { ScheduleOptionsAction, ScheduleOverlapPolicy, ScheduleSpec } from '@temporalio/client';
import type { FlowRunInput } from '../../core/runs/run-types.js';
import { FLOW_RUN } from '../../core/runs/run-types.js';
import { runSearchAttributes } from '../../core/runs/search-attributes.js';
import { parseDuration } from '../../core/spec/duration.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { type OverlapPolicy, SCHEDULE_DEFAULTS, type ScheduleTrigger } from '../../core/spec/triggers.js';
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

/** The start the Schedule makes: `flowRun` naming only flow and trigger (workflows/fired-run.ts). */
export function scheduleActionOf(flow: FlowSpec, revision: number, trigger: ScheduleTrigger, role: ScheduleRole, taskQueue: string): ScheduleOptionsAction {
  const ref = `${flow.namespace}/${flow.id}`;
  const input: FlowRunInput = {
    flow: { id: flow.id, namespace: flow.namespace, tasks: [] },
    revision: 0,
    inputs: {},
    trigger: role === 'backfill' ? 'backfill' : 'schedule',
    fire: { flow: ref, triggerId: trigger.id },
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
