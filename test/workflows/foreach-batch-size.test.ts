// How many foreach items one workflow history holds before the rest go to batch child workflows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../src/core/spec/flow-spec.js';
import { foreachBatchSize } from '../../workflows/foreach.js';

const sets = (n: number): Task[] => Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: 'set', values: { v: i } }) as Task);

describe('foreach batch size', () => {
  it('holds 1,000 one-task items in a history', () => {
    assert.equal(foreachBatchSize(sets(1)), 1000);
  });

  it('holds fewer items as an iteration holds more tasks, nested ones included', () => {
    assert.equal(foreachBatchSize(sets(7)), 142);
    const nested = [{ id: 'seq', type: 'sequence', tasks: sets(9) } as Task];
    assert.equal(foreachBatchSize(nested), 100);
  });

  it('keeps at least one item a batch however large an iteration is', () => {
    assert.equal(foreachBatchSize(sets(2000)), 1);
  });
});
