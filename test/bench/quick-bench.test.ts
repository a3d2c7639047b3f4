// The benchmark suite as a user runs it (`npm run bench -- --quick --only=2`, compiled): it starts
// its own tuned Temporal dev server and both workers, prints the table and writes the JSON
// results. Timings are not checked (that is what the suite is for) beyond a pure step costing
// less than an activity step, a margin of about 50x; what is checked is that each row is measured
// on both sides, printed as written, and that workload 2 divides by workload 1's activity step.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectPath } from '../../src/services/config/paths.js';
import { literal } from '../helpers/regexp-literal.js';

const run = promisify(execFile);

interface BenchRow {
  server: string;
  workload: string;
  weft: number;
  raw: number;
  unit: string;
}

describe('npm run bench', () => {
  it('measures workloads 1 and 2 side by side, prints the table and writes the JSON results', { timeout: 180_000 }, async () => {
    const out = join(await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'bench-')), 'results.json');
    const { stdout, stderr } = await run(process.execPath, [projectPath('dist', 'bench', 'run.js'), '--quick', '--only=2', `--out=${out}`], {
      timeout: 170_000,
    });
    assert.match(stderr, /\[bench\] tuned server: workload 1/);
    assert.ok(stderr.includes(`results written to ${out}`), stderr);
    const results = JSON.parse(await readFile(out, 'utf8')) as { quick: boolean; rows: BenchRow[] };
    assert.equal(results.quick, true);
    assert.deepEqual(
      results.rows.map((r) => `${r.server} ${r.workload}`),
      ['tuned 1 sequential chain (40 steps)', 'tuned 2 pure steps (200 set/if/log)'],
      'workload 2 runs on the tuned server only, after the chain it compares with; no default-config server without workload 1',
    );
    const [chain, pure] = results.rows as [BenchRow, BenchRow];
    for (const row of results.rows) {
      assert.ok(Number.isFinite(row.weft) && row.weft > 0, `${row.workload}: Weft measured (${row.weft})`);
      assert.ok(Number.isFinite(row.raw) && row.raw > 0, `${row.workload}: baseline measured (${row.raw})`);
      assert.match(
        stdout,
        new RegExp(`^tuned +${literal(row.workload)} +${row.weft.toFixed(2)} +${row.raw.toFixed(2)} +${(row.weft / row.raw).toFixed(3)}`, 'm'),
      );
    }
    assert.equal(pure.raw, chain.weft, 'a pure step is compared with an activity step of the same run');
    assert.ok(pure.weft < chain.weft, `a pure step (${pure.weft} ms) costs less than an activity step (${chain.weft} ms)`);
  });
});
