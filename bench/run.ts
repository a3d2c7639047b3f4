// `npm run bench [-- --quick]`: measures Weft against raw Temporal on the same machine in the
// same run, on a dev server with Weft's tuned settings and on one with Temporal's defaults.
// Prints a table and writes bench/results/<time>.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness } from './harness.js';
import { fanOut, type Measure, pureSteps, sequentialChain, smallRuns } from './workloads.js';

const quick = process.argv.includes('--quick');
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function measure(tuned: boolean): Promise<Measure[]> {
  const h = await startHarness(tuned, tuned ? 7411 : 7412);
  try {
    const runs = quick ? 3 : 7;
    say(`${tuned ? 'tuned' : 'default'} server: workload 1`);
    const chain = await sequentialChain(h, runs);
    const out = [chain];
    if (!tuned) return out;
    say('workload 2');
    out.push(await pureSteps(h, runs, chain.weft));
    say('workload 3');
    out.push(await fanOut(h, quick ? 2 : 3, 100));
    if (!quick) out.push(await fanOut(h, 2, 1000));
    say('workload 4');
    out.push(...(await smallRuns(h, quick ? 30 : 100, quick ? 50 : 200)));
    return out;
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const tuned = await measure(true);
  const defaults = await measure(false);
  const rows = [...tuned.map((m) => ({ server: 'tuned', ...m })), ...defaults.map((m) => ({ server: 'default', ...m }))];
  const lines = ['server   workload                                      weft        raw   weft/raw  unit'];
  for (const r of rows) {
    lines.push(
      `${r.server.padEnd(8)} ${r.workload.padEnd(44)} ${r.weft.toFixed(2).padStart(9)} ${r.raw.toFixed(2).padStart(10)} ${(r.weft / r.raw).toFixed(3).padStart(9)}  ${r.unit}`,
    );
  }
  const defaultChain = defaults[0];
  const tunedChain = tuned[0];
  if (defaultChain && tunedChain)
    lines.push(`tuning effect on raw Temporal, workload 1: ${defaultChain.raw.toFixed(2)} -> ${tunedChain.raw.toFixed(2)} ms/step`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ quick, node: process.version, rows }, null, 2));
  say(`results written to ${file}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
