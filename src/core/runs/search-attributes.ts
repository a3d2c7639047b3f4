// Typed keys of Weft's search attributes, so runs are filterable in the Temporal Web UI and CLI.
// Pure (no I/O): the client imports it to start runs, the workflow to start subflows.

import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { FlowSpec } from '../spec/flow-spec.js';
import { SEARCH_ATTRIBUTES } from './run-types.js';

export const WEFT_FLOW = defineSearchAttributeKey(SEARCH_ATTRIBUTES.flow, SearchAttributeType.KEYWORD);
export const WEFT_NAMESPACE = defineSearchAttributeKey(SEARCH_ATTRIBUTES.namespace, SearchAttributeType.KEYWORD);
export const WEFT_REVISION = defineSearchAttributeKey(SEARCH_ATTRIBUTES.revision, SearchAttributeType.INT);
export const WEFT_WAITING = defineSearchAttributeKey(SEARCH_ATTRIBUTES.waiting, SearchAttributeType.BOOL);

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
