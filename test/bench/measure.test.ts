// The statistics behind every bench row: a median that is the middle of the samples, quartiles
// between samples, and a p99 only where there are enough samples for one.

import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { median, P99_MIN_SAMPLES, percentile, spreadOf, spreadText } from '../../bench/measure.js';
import { defaultResultsFile, RESULTS_DIR } from '../../bench/results-file.js';

describe('bench statistics', () => {
  it('takes the median between the two middle samples of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, 1, 3]), 3);
  });

  it('gives quartiles by linear interpolation and no p99 below 100 samples', () => {
    const s = spreadOf([1, 2, 3, 4, 5]);
    assert.deepEqual(s, { n: 5, median: 3, q1: 2, q3: 4, p99: null });
    assert.equal(spreadOf(Array.from({ length: P99_MIN_SAMPLES - 1 }, (_, i) => i)).p99, null);
  });

  it('gives a measured p99 from 100 samples on: the nearest rank, not the largest', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    assert.equal(spreadOf(values).p99, 198);
    assert.equal(percentile(values, 99), 198);
  });

  it('leaves samples that are not numbers out', () => {
    assert.deepEqual(spreadOf([Number.NaN, 2, 4]), { n: 2, median: 3, q1: 2.5, q3: 3.5, p99: null });
  });

  it('keeps a run that never ended (Infinity) as slower than every other', () => {
    const s = spreadOf([3, 1, Number.POSITIVE_INFINITY, 2]);
    assert.equal(s.median, 2.5);
    assert.equal(s.q3, Number.POSITIVE_INFINITY);
    assert.equal(percentile([1, 2, Number.POSITIVE_INFINITY], 99), Number.POSITIVE_INFINITY);
  });

  it('writes the spread of each side of a row', () => {
    const weft = spreadOf([10, 11, 12]);
    const raw = spreadOf([9, 10, 11]);
    assert.equal(spreadText({ workload: 'w', weft: 11, raw: 10, unit: 'ms', spread: { weft, raw } }), 'n=3, IQR weft 10.50-11.50, raw 9.50-10.50');
  });
});

describe('bench results file', () => {
  it('names a full run by date and revision under bench/results, and keeps a quick run in the temp directory', () => {
    const at = new Date('2026-12-06T08:41:07.123Z');
    assert.equal(defaultResultsFile(false, 'b6ee1f3', at), join(RESULTS_DIR, '2026-12-06T08-41Z-b6ee1f3.json'));
    assert.equal(defaultResultsFile(true, 'b6ee1f3-dirty', at), join(tmpdir(), 'weft-bench', '2026-12-06T08-41Z-b6ee1f3-dirty.json'));
  });
});
