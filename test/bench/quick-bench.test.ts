// The benchmark suite as a user runs it (`npm run bench -- --quick --only=2,8,9,10,11,13,14,16,17,18`,
// compiled):
// it starts its own tuned Temporal dev server and both workers, prints the table and writes the
// JSON results and the scaling plot; `npm run bench:summary` then builds the headline from runs
// like it. Timings are not checked (that is what the suite is for) beyond a pure step costing less
// than an activity step, a margin of about 50x; what is checked is that every workload still
// produces its rows, measured on each side, printed as written.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectPath } from '../../src/services/config/paths.js';
import { assertRowsMeasured, type BenchRow, runQuickBench } from '../helpers/quick-bench.js';

const run = promisify(execFile);

const SCALING_UNITS = 6;

describe('npm run bench', () => {
  it('produces the rows of workloads 1, 2, 8-11, 13, 14 and 16-18 side by side, the table, the JSON and the scaling plot; bench:summary reads them', {
    timeout: 360_000,
  }, async () => {
    const { dir, out, stdout, stderr, results } = await runQuickBench('2,8,9,10,11,13,14,16,17,18', 340_000);
    assert.match(stderr, /\[bench\] tuned server: workload 1/);
    const names = results.rows.map((r) => `${r.server} ${r.workload}`);
    const count = (prefix: string) => names.filter((n) => n.startsWith(prefix)).length;
    assert.deepEqual(
      names.slice(0, 2),
      ['tuned 1 sequential chain (40 steps)', 'tuned 2 pure steps (200 set/if/log)'],
      'no default-config server without workload 1',
    );
    for (const point of ['fan-out (10 items)', 'fan-out (100 items)', 'chain (10 steps)', 'chain (100 steps)'])
      assert.equal(count(`tuned 8 scaling ${point}`), SCALING_UNITS, `workload 8 at ${point}: ${names.join('; ')}`);
    assert.equal(count('server 9 webhook request to run started'), 2, 'workload 9: p50 and p95');
    assert.equal(count('tuned 10 schedule fire to first task start'), 2, 'workload 10: p50 and p95');
    assert.equal(count('tuned 11 recovery'), 1, 'workload 11');
    assert.equal(count('tuned 13 '), 3, 'workload 13: a free slot, a burst under a limit, one keeper');
    assert.equal(count('tuned 14 agent loop'), 1, 'workload 14');
    assert.equal(count('tuned 16 API '), 3, 'workload 16: start, get and the floor');
    assert.equal(count('tuned 17 one script task run, sandboxed'), 1, 'workload 17');
    assert.equal(count('tuned 18 anchor chain (40 tasks, fib(10) each)'), 1, 'workload 18');
    assert.equal(names.length, 2 + 4 * SCALING_UNITS + 2 + 2 + 1 + 3 + 1 + 3 + 1 + 1, names.join('; '));

    assertRowsMeasured(results.rows, stdout);
    const [chain, pure] = results.rows as [BenchRow, BenchRow];
    assert.ok(chain.rawBest !== undefined, 'the chain has its raw best side (local activities)');
    assert.equal(pure.raw, chain.weft, 'a pure step is compared with an activity step of the same run');
    assert.ok(pure.weft < chain.weft, `a pure step (${pure.weft} ms) costs less than an activity step (${chain.weft} ms)`);

    assert.equal(results.scaling.length, 4 * 3, 'two sizes of two shapes, three sides each');
    const svg = await readFile(out.replace(/\.json$/, '.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.equal(svg.match(/<polyline /g)?.length, 6, 'a line per side in each of the two panels');

    // Three "full" runs made of this one: the summary takes their medians and counts the targets.
    const runs = join(dir, 'runs');
    await mkdir(runs);
    // A run of some workloads says which; the summary leaves it out (the fourth file here).
    assert.deepEqual(results.only, [2, 8, 9, 10, 11, 13, 14, 16, 17, 18]);
    for (const n of [1, 2, 3]) await writeFile(join(runs, `run-${n}.json`), JSON.stringify({ ...results, quick: false, only: undefined }));
    await writeFile(join(runs, 'run-4.json'), JSON.stringify({ ...results, quick: false }));
    const plot = join(dir, 'scaling.svg');
    const summary = await run(process.execPath, [projectPath('dist', 'bench', 'summary.js'), `--dir=${runs}`, `--svg=${plot}`]);
    assert.match(summary.stdout, /^Full runs: 3 /m);
    assert.doesNotMatch(summary.stdout, /fewer than 3 full runs/);
    assert.match(
      summary.stdout,
      new RegExp(`^\\| tuned \\| 1 sequential chain \\(40 steps\\) \\| ms/step \\| 3 \\| ${chain.weft.toFixed(2)} \\| ${chain.raw.toFixed(2)} \\|`, 'm'),
    );
    assert.match(summary.stdout, /^\| chain: Weft\/raw <= 1\.05 \| [\d.]+ \| [0-3] of 3 runs \|$/m);
    assert.match(summary.stdout, /^\| schedule fire to first task: Weft\/raw <= 1\.2 \| [\d.]+ \| [0-3] of 3 runs \|$/m);
    assert.match(await readFile(plot, 'utf8'), /median of 3 full runs/);
  });
});
