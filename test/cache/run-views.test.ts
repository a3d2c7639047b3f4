// A CACHED task run shows where its entry came from in the MCP run view (get_run), within the
// view's own schema.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TaskRunView, taskRunView } from '../../mcp/run-view.js';

it('get_run’s task run view carries cachedFrom, and its schema accepts it', () => {
  const cachedFrom = { runId: 'demo.fetch-1', taskId: 'fetch', iteration: [3], at: '2026-12-06T10:00:00.000Z' };
  const view = taskRunView({ id: 'fetch', type: 'http', state: 'CACHED', attempts: 1, cached: true, cachedFrom });
  assert.deepEqual(view.cachedFrom, cachedFrom);
  assert.equal('cached' in view, false, 'the state says CACHED; the flag is not shown twice');
  assert.deepEqual(TaskRunView.parse(view).cachedFrom, cachedFrom);
});
