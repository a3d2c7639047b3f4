// The restart rule as a pure function (services/runs/restart-plan.ts, core/runs/restart-digest.ts):
// which task runs come before a restart point, and what "the same rendered configuration" is.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityConfigDigest } from '../../src/core/runs/restart-digest.js';
import { beforePoint, choosePoint, taskPlaces } from '../../src/services/runs/restart-plan.js';
import { flowFrom } from '../helpers/temporal-env.js';

const flow = flowFrom(`id: plan
namespace: restart
tasks:
  - { id: a, type: log, message: a }
  - id: fan
    type: parallel
    tasks:
      - { id: left, type: log, message: l }
      - id: right
        type: sequence
        tasks:
          - { id: r1, type: log, message: r1 }
          - { id: r2, type: log, message: r2 }
  - id: each
    type: foreach
    items: "{{ [1, 2, 3] }}"
    tasks:
      - { id: e1, type: log, message: e1 }
      - { id: e2, type: log, message: e2 }
  - { id: z, type: log, message: z }
finally:
  - { id: tidy, type: log, message: tidy }
`);
const places = taskPlaces(flow);
const before = (key: string, taskId: string, iteration?: number[]) => beforePoint(places, key, { taskId, ...(iteration ? { iteration } : {}) });

describe('the restart point and what comes before it', () => {
  it('follows the flow order for a task list; the point itself and what follows run again', () => {
    assert.equal(before('a', 'z'), true);
    assert.equal(before('z', 'z'), false);
    assert.equal(before('z', 'a'), false);
    assert.equal(before('e1[2]', 'z'), true);
  });

  it('counts other parallel branches as before the point, and the same branch by order', () => {
    assert.equal(before('left', 'r2'), true);
    assert.equal(before('r1', 'left'), true);
    assert.equal(before('r1', 'r2'), true);
    assert.equal(before('r2', 'r1'), false);
    assert.equal(before('left', 'fan'), false, 'restarting from the parallel runs all of it');
  });

  it('counts other foreach iterations as before the point, and the same iteration by order', () => {
    assert.equal(before('e2[0]', 'e1', [1]), true);
    assert.equal(before('e1[1]', 'e1', [1]), false);
    assert.equal(before('e2[1]', 'e1', [1]), false);
    assert.equal(before('e1[2]', 'e2', [1]), true);
    assert.equal(before('e1[2]', 'e2'), true, 'without an iteration, e1 of every iteration comes before e2');
    assert.equal(before('e2[2]', 'e2'), false);
  });

  it('never reuses errors or finally tasks; no point (a failure in the outputs) reuses every task', () => {
    assert.equal(before('tidy', 'z'), false);
    assert.equal(beforePoint(places, 'z', undefined), true);
    assert.equal(beforePoint(places, 'tidy', undefined), false);
  });

  it('defaults to the failed task, refuses a missing point on a run that did not fail, names the closest id', () => {
    const run = { runId: 'r', state: 'FAILED', tasks: [], error: { taskId: 'e2', iteration: [1] } };
    assert.deepEqual(choosePoint(flow, places, run, undefined), { taskId: 'e2', iteration: [1] });
    assert.equal(choosePoint(flow, places, { ...run, error: { taskId: '(outputs)' } }, undefined), undefined);
    assert.throws(() => choosePoint(flow, places, { runId: 'r', state: 'COMPLETED', tasks: [] }, undefined), { code: 'RESTART_POINT_REQUIRED' });
    assert.throws(() => choosePoint(flow, places, run, 'rr1'), { code: 'UNKNOWN_TASK', hint: /^did you mean "r1"\?/ });
  });

  it('digests an activity input without its per-attempt context, with its cache settings', () => {
    const input = { url: 'http://x/a', method: 'GET', timeoutMs: 1000 };
    const one = activityConfigDigest({ context: { runId: 'a', attempt: 1, secretNonce: 'n1' }, ...input });
    assert.equal(activityConfigDigest({ context: { runId: 'b', attempt: 2, secretNonce: 'n2' }, ...input }), one);
    assert.notEqual(activityConfigDigest({ context: {}, ...input, url: 'http://x/b' }), one);
    assert.notEqual(activityConfigDigest({ context: {}, ...input, cache: { ttlMs: 1000 } }), one);
    const marker = (nonce: string) => `Bearer \u27e6weft-secret:TOKEN@${nonce}\u27e7`;
    assert.equal(activityConfigDigest({ ...input, headers: { a: marker('n1') } }), activityConfigDigest({ ...input, headers: { a: marker('n2') } }));
  });
});
