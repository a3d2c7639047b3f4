// Weft's search attributes on a real Temporal server with SQL visibility on PostgreSQL, where
// each attribute is an alias of a pre-allocated column of the namespace: workers of a fleet that
// start together on a fresh namespace all start, and each attribute gets exactly one column.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { WEFT_SEARCH_ATTRIBUTES } from '../../src/core/runs/search-attributes.js';
import { registerSearchAttributes } from '../../src/services/temporal/search-attributes.js';
import { temporalAddress } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

describe('cluster: search attributes on SQL visibility', () => {
  it('registers each attribute once when several workers start at the same time on a fresh namespace', { timeout: 60_000 }, async () => {
    if (!process.env.WEFT_TEST_TEMPORAL_DATABASE_URL)
      throw new Error('run the cluster lane with `npm test -- test/cluster`: this needs the real Temporal server');
    const namespace = `fleet-${randomUUID().slice(0, 8)}`;
    const connections = await Promise.all([1, 2, 3, 4].map(() => Connection.connect({ address: temporalAddress() })));
    try {
      const [first] = connections;
      assert.ok(first);
      await first.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      await waitFor('the frontend to serve the new namespace', () => first.operatorService.listSearchAttributes({ namespace }), 30_000, 250);
      await Promise.all(connections.map((connection) => registerSearchAttributes(connection, namespace)));
      const { config } = await first.workflowService.describeNamespace({ namespace });
      const aliases = Object.values(config?.customSearchAttributeAliases ?? {}).sort();
      assert.deepEqual(
        aliases,
        WEFT_SEARCH_ATTRIBUTES.map((key) => key.name).sort(),
        `columns by alias: ${JSON.stringify(config?.customSearchAttributeAliases)}`,
      );
    } finally {
      for (const connection of connections) await connection.close();
    }
  });
});
