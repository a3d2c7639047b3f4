// How many foreach items one workflow history holds before the rest go to batch child workflows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../src/core/spec/flow-spec.js';
import { foreachBatchSize } from '../../workflows/foreach.js';

const sets = (n: number): Task[] => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: 'set', values: { v: i } }) as Task);

describe('foreach batch size', () => {
  it('holds 1,000 one-task items in a history since lean-tasks, 200 before', () => {
    assert.equal(foreachBatchSize(sets(1), true), 1000);
    assert.equal(foreachBatchSize(sets(1), false), 200);
  });

  it('holds fewer items as an iteration holds more tasks, nested ones included', () => {
    assert.equal(foreachBatchSize(sets(7), true), 142);
    assert.equal(foreachBatchSize(sets(7), false), 57);
    const nested = [{ id: 'seq', type: 'sequence', tasks: sets(9) } as Task];
    assert.equal(foreachBatchSize(nested, true), 100);
  });

  it('keeps at least one item a batch however large an iteration is', () => {
    assert.equal(foreachBatchSize(sets(2000), true), 1);
  });
});
