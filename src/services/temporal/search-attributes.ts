// Registers Weft's search attributes on a namespace: on the embedded dev server when it starts
// (through the operator API rather than start-dev flags, which start-dev ignores on an existing
// database), and on any other Temporal when a worker or `weft server` starts against it.

import { type Connection, isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import { WEFT_SEARCH_ATTRIBUTES } from '../../core/runs/search-attributes.js';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

const INDEXED_TYPE: Record<SearchAttributeType, proto.temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

const WANTED = Object.fromEntries(WEFT_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_TYPE[key.type]]));

/** What registering needs of a connection: a client's and a worker's (NativeConnection) both have it. */
export type OperatorConnection = Pick<Connection, 'operatorService'>;

/** Adds whichever Weft search attributes the namespace lacks; a no-op when all are there. */
export async function registerSearchAttributes(connection: OperatorConnection, namespace: string): Promise<void> {
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

// gRPC codes of a Temporal that will not let this connection change the namespace's attributes
// (a namespace API key, a cloud namespace managed elsewhere): reported, not fatal.
const REFUSED = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */, 16 /* UNAUTHENTICATED */]);

/**
 * At the start of a worker on a Temporal Weft did not start: registers the missing attributes, and
 * when Temporal refuses, answers a warning naming each attribute and its type, for the operator to
 * add (runs cannot start until they exist). Other errors are thrown.
 */
export async function ensureSearchAttributes(
  connection: OperatorConnection & Pick<Connection, 'workflowService'>,
  namespace: string,
): Promise<string | undefined> {
  try {
    await registerSearchAttributes(connection, namespace);
    await untilUsable(connection, namespace);
    return undefined;
  } catch (error) {
    if (!(isGrpcServiceError(error) && REFUSED.has(error.code))) throw error;
    const wanted = WEFT_SEARCH_ATTRIBUTES.map((key) => `${key.name} (${key.type})`).join(', ');
    return `Temporal refused to register Weft's search attributes on namespace ${namespace} (${error.details ?? error.message}): add them to the namespace yourself, or runs cannot start: ${wanted}`;
  }
}

/**
 * How long a starting worker waits for Temporal's frontend to take attributes just added: it reads
 * them from its namespace cache, which a Temporal server refreshes on its own schedule (10 s by
 * default), and until then refuses every run start that sets them.
 */
const USABLE_WITHIN_MS = 30_000;

/** Returns once the frontend accepts a visibility query on Weft's attributes (or after USABLE_WITHIN_MS). */
async function untilUsable(connection: Pick<Connection, 'workflowService'>, namespace: string): Promise<void> {
  const query = WEFT_SEARCH_ATTRIBUTES.filter((key) => key.type === SearchAttributeType.KEYWORD)
    .map((key) => `${key.name} = ''`)
    .join(' AND ');
  const until = Date.now() + USABLE_WITHIN_MS;
  for (;;) {
    try {
      await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return;
    } catch (error) {
      // INVALID_ARGUMENT: an attribute the frontend does not know yet. Anything else is not ours to wait out.
      if (!(isGrpcServiceError(error) && error.code === 3) || Date.now() > until) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
