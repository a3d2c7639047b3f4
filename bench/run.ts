// `npm run bench [-- --quick]`: measures Weft against raw Temporal on the same machine in the
// same run, on a dev server with Weft's tuned settings and on one with Temporal's defaults.
// Prints a table and writes bench/results/<time>.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness } from './harness.js';
import { mcpOverhead } from './mcp-workload.js';
import { fanOut, type Measure, pureSteps, sequentialChain, smallRuns } from './workloads.js';

const quick = process.argv.includes('--quick');
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** `--only 1,6` runs just those workloads (the default-config server runs only for workload 1). */
const only = new Set((process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? '1,2,3,4,6').split(',').map(Number));

async function measure(tuned: boolean): Promise<Measure[]> {
  if (!tuned && !only.has(1)) return [];
  const h = await startHarness(tuned, tuned ? 7411 : 7412);
  try {
    const runs = quick ? 3 : 7;
    const out: Measure[] = [];
    let chainStepMs: number | undefined;
    if (only.has(1) || only.has(2)) {
      say(`${tuned ? 'tuned' : 'default'} server: workload 1`);
      const chain = await sequentialChain(h, runs);
      chainStepMs = chain.weft;
      out.push(chain);
    }
    if (!tuned) return out;
    if (only.has(2) && chainStepMs !== undefined) {
      say('workload 2');
      out.push(await pureSteps(h, runs, chainStepMs));
    }
    if (only.has(3)) {
      say('workload 3');
      out.push(await fanOut(h, quick ? 2 : 3, 100));
      if (!quick) out.push(await fanOut(h, 2, 1000));
    }
    if (only.has(4)) {
      say('workload 4');
      out.push(...(await smallRuns(h, quick ? 30 : 100, quick ? 50 : 200)));
    }
    if (only.has(6)) {
      say('workload 6 (MCP)');
      out.push(...(await mcpOverhead(h, quick ? 30 : 100)));
    }
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
  if (defaultChain && tunedChain?.workload === defaultChain.workload)
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
