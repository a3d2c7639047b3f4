// The bench check for the workloads that put load on a process of their own or on the server,
// in their quick form (`npm run bench -- --quick --only=12,15,19`, compiled): sustained load (12),
// telemetry on against off in two `weft worker` processes (15), and MCP end to end with the read
// tools at scale (19, SQLite only when quick). Apart from quick-bench.test.ts so that each file
// stays well within the suite's time for one file. Timings are not checked; what is checked is
// that each workload still produces its rows, measured on each side, printed as written.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRowsMeasured, runQuickBench } from '../helpers/quick-bench.js';

describe('npm run bench, the load workloads', () => {
  it('produces the rows of workloads 12, 15 and 19 side by side, in the table and the JSON', { timeout: 280_000 }, async () => {
    const { stdout, results } = await runQuickBench('12,15,19', 270_000);
    const names = results.rows.map((r) => `${r.server} ${r.workload}`);
    const count = (prefix: string) => names.filter((n) => n.startsWith(prefix)).length;
    assert.equal(count('tuned 1 '), 0, 'no workload 1 unless named');
    assert.equal(count('tuned 12 sustained'), 2 * 3 + 1, 'workload 12: p50, p95 and the tail at two rates, and the rate held');
    assert.equal(count('tuned 15 telemetry: '), 2, 'workload 15: chain and small runs');
    assert.equal(count('tuned 19 run_flow waitSeconds'), 3, 'workload 19: p50, the tail and calls a second of 4 clients');
    assert.equal(count('tuned 19 list_runs'), 3, 'workload 19: list_runs at scale (quick: SQLite only)');
    assert.equal(count('tuned 19 query_logs'), 3, 'workload 19: query_logs at scale (quick: SQLite only)');
    assert.equal(names.length, 7 + 2 + 9, names.join('; '));
    assertRowsMeasured(results.rows, stdout);
    assert.deepEqual(results.only, [12, 15, 19]);
  });
});
