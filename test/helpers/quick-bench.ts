// Runs the compiled benchmark suite in its quick form, as a user would, for the bench checks of
// the test suite, and checks that every row it wrote was measured on each side and printed as
// written.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectPath } from '../../src/services/config/paths.js';
import { literal } from './regexp-literal.js';

const run = promisify(execFile);

export interface BenchRow {
  server: string;
  workload: string;
  weft: number;
  raw: number;
  rawBest?: number;
  unit: string;
}

export interface BenchResults {
  quick: boolean;
  only?: number[];
  revision: string;
  rows: BenchRow[];
  scaling: Array<{ shape: string; size: number; side: string; msPerItem: number; events: number }>;
}

export interface QuickBench {
  dir: string;
  /** The JSON results file. */
  out: string;
  stdout: string;
  stderr: string;
  results: BenchResults;
}

/** `npm run bench -- --quick --only=<only>` compiled, into a directory of its own. */
export async function runQuickBench(only: string, timeoutMs: number): Promise<QuickBench> {
  const dir = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'bench-'));
  const out = join(dir, 'results.json');
  const { stdout, stderr } = await run(process.execPath, [projectPath('dist', 'bench', 'run.js'), '--quick', `--only=${only}`, `--out=${out}`], {
    timeout: timeoutMs,
  });
  assert.ok(stderr.includes(`results written to ${out}`), stderr);
  const results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
  assert.equal(results.quick, true);
  return { dir, out, stdout, stderr, results };
}

/** Every row has both sides measured (a raw best too when it has one) and is in the table as written. */
export function assertRowsMeasured(rows: readonly BenchRow[], stdout: string): void {
  for (const row of rows) {
    // Workload 12 on a busy machine: a side may hold none of the quick rates (0), and a side that
    // failed the lower rate has no figures at the higher one (NaN); both are said in the unit.
    // A run may need no memory beyond what the process already held: growth may be 0.
    const measured = (v: number | undefined) =>
      v !== undefined &&
      ((Number.isNaN(v) && row.unit.includes('(NaN: that side failed a lower rate)')) ||
        (Number.isFinite(v) && (row.unit.includes('growth') || row.unit.includes('(0: none of the rates)') ? v >= 0 : v > 0)));
    assert.ok(measured(row.weft), `${row.workload} ${row.unit}: Weft measured (${row.weft})`);
    assert.ok(measured(row.raw), `${row.workload} ${row.unit}: baseline measured (${row.raw})`);
    if (row.rawBest !== undefined) assert.ok(measured(row.rawBest), `${row.workload} ${row.unit}: raw best measured (${row.rawBest})`);
    assert.match(
      stdout,
      new RegExp(`^${row.server} +${literal(row.workload)} +${row.weft.toFixed(2)} +${row.raw.toFixed(2)} +${(row.weft / row.raw).toFixed(3)}`, 'm'),
    );
  }
}
