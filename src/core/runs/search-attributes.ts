// Typed keys of Weft's search attributes, so runs are filterable in the Temporal Web UI and CLI.
// Pure (no I/O): the client imports it to start runs, the workflow to start subflows.

import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { FlowSpec } from '../spec/flow-spec.js';

// The one definition of each key, name and type: runs are started and filtered with these, and
// the server registers exactly these on a namespace (src/services/temporal/search-attributes.ts).
export const WEFT_FLOW = defineSearchAttributeKey('WeftFlow', SearchAttributeType.KEYWORD);
export const WEFT_NAMESPACE = defineSearchAttributeKey('WeftNamespace', SearchAttributeType.KEYWORD);
export const WEFT_REVISION = defineSearchAttributeKey('WeftRevision', SearchAttributeType.INT);
export const WEFT_WAITING = defineSearchAttributeKey('WeftWaiting', SearchAttributeType.BOOL);
/** True while a run waits in line for its flow's concurrency slot (state QUEUED); absent on runs that never waited. */
export const WEFT_QUEUED = defineSearchAttributeKey('WeftQueued', SearchAttributeType.BOOL);
/** `run.trigger` of the run, so runs are listed by what started them. Runs started before it existed have none. */
export const WEFT_TRIGGER = defineSearchAttributeKey('WeftTrigger', SearchAttributeType.KEYWORD);

/** On a run that restarts another (flow-spec.md, Restart): that run's id, so its restarts can be listed. */
export const WEFT_RESTART_OF = defineSearchAttributeKey('WeftRestartOf', SearchAttributeType.KEYWORD);

/** The values `run.trigger` takes (flow-spec.md, Triggers): what `list_runs` can filter on. */
export const RUN_TRIGGERS = ['cli', 'api', 'mcp', 'schedule', 'backfill', 'webhook', 'flow', 'restart', 'subflow', 'agent'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** Set by Temporal on a workflow a Schedule started (also by a backfill): the nominal fire time, before jitter. */
export const TEMPORAL_SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Every search attribute Weft sets. */
export const WEFT_SEARCH_ATTRIBUTES = [WEFT_FLOW, WEFT_NAMESPACE, WEFT_REVISION, WEFT_WAITING, WEFT_TRIGGER, WEFT_QUEUED, WEFT_RESTART_OF] as const;

/** Search attributes a run of this flow starts with; `trigger` is its `run.trigger`. */
export function runSearchAttributes(flow: FlowSpec, revision: number, trigger: string): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [
    { key: WEFT_FLOW, value: `${flow.namespace}/${flow.id}` },
    { key: WEFT_NAMESPACE, value: flow.namespace },
    { key: WEFT_REVISION, value: revision },
    { key: WEFT_WAITING, value: false },
    { key: WEFT_TRIGGER, value: trigger },
  ];
  return new TypedSearchAttributes(pairs);
}
