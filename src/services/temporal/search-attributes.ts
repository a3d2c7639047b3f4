// Registers Weft's search attributes on a namespace. Done through the operator API rather than
// start-dev flags, because start-dev ignores those flags on an existing database.

import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../core/runs/run-types.js';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

const WANTED = {
  [SEARCH_ATTRIBUTES.flow]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SEARCH_ATTRIBUTES.namespace]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SEARCH_ATTRIBUTES.revision]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SEARCH_ATTRIBUTES.waiting]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

/** Adds whichever Weft search attributes the namespace lacks; a no-op when all are there. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.fromEntries(Object.entries(WANTED).filter(([name]) => !have.has(name)));
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (error) {
    // Another process may have added them in the meantime.
    if (!String((error as Error).message).includes('already')) throw error;
  }
}
