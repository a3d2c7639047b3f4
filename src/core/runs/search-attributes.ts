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

/** Set by Temporal on a workflow a Schedule started (also by a backfill): the nominal fire time, before jitter. */
export const TEMPORAL_SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Every search attribute Weft sets. */
export const WEFT_SEARCH_ATTRIBUTES = [WEFT_FLOW, WEFT_NAMESPACE, WEFT_REVISION, WEFT_WAITING] as const;

/** Search attributes a run of this flow starts with. */
export function runSearchAttributes(flow: FlowSpec, revision: number): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [
    { key: WEFT_FLOW, value: `${flow.namespace}/${flow.id}` },
    { key: WEFT_NAMESPACE, value: flow.namespace },
    { key: WEFT_REVISION, value: revision },
    { key: WEFT_WAITING, value: false },
  ];
  return new TypedSearchAttributes(pairs);
}
