// `npm run bench [-- --quick]`: measures Weft against raw Temporal on the same machine in the
// same run, on a dev server with Weft's tuned settings and on one with Temporal's defaults.
// Prints a table and writes bench/results/<time>.json (or the file given with --out=FILE).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { projectPath } from '../src/services/config/paths.js';
import { cpuTicks, stealShare } from './cpu-steal.js';
import { startHarness } from './harness.js';
import { mcpOverhead } from './mcp-workload.js';
import { memoryAndStartup } from './memory-workload.js';
import { prefectComparison } from './prefect-workload.js';
import { fanOut, type Measure, pureSteps, sequentialChain, smallRuns } from './workloads.js';

const quick = process.argv.includes('--quick');
/** The value of `--NAME=VALUE` on the command line. */
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** `--out=FILE`: where the JSON results go instead of bench/results/<time>.json. */
const outArgument = flag('out');
const outFile = outArgument ? resolve(outArgument) : undefined;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * `--only=1,6` runs just those workloads (the default-config server runs only for workload 1).
 * Workload 5 compares with Weft's figures of 1, 3 and 4, so it measures those too.
 */
// --quick stays under 3 minutes: Prefect (5) and the cold start of weft dev (7) take longer, so
// a quick run leaves them out unless --only names them.
const DEFAULT_WORKLOADS = quick ? '1,2,3,4,6' : '1,2,3,4,5,6,7';
const only = new Set((flag('only') ?? DEFAULT_WORKLOADS).split(',').map(Number));
const needs = (n: number) => only.has(n) || (only.has(5) && [1, 3, 4].includes(n));

async function measure(tuned: boolean): Promise<Measure[]> {
  if (!tuned && !only.has(1)) return [];
  if (![1, 2, 3, 4, 5, 6].some(needs)) return [];
  const h = await startHarness(tuned, tuned ? 7411 : 7412);
  try {
    const runs = quick ? 3 : 7;
    const out: Measure[] = [];
    let chain: Measure | undefined;
    if (needs(1) || only.has(2)) {
      say(`${tuned ? 'tuned' : 'default'} server: workload 1`);
      chain = await sequentialChain(h, runs);
      out.push(chain);
    }
    if (!tuned) return out;
    if (only.has(2) && chain) {
      say('workload 2');
      out.push(await pureSteps(h, runs, chain.weft));
    }
    let fan100: Measure | undefined;
    if (needs(3)) {
      say('workload 3');
      const fan = await fanOut(h, quick ? 2 : 3, 100);
      fan100 = fan[0];
      out.push(...fan);
      // Three runs a side at 1,000 items: two gave a median that swung by 0.06 between runs.
      if (!quick) out.push(...(await fanOut(h, 3, 1000)));
    }
    const [sequential, concurrent] = quick ? [30, 50] : [100, 200];
    let small: Measure[] = [];
    if (needs(4)) {
      say('workload 4');
      // Five bursts a side: the median of three moved by about 0.05 from one run to the next.
      small = await smallRuns(h, sequential, concurrent, quick ? 2 : 5);
      out.push(...small);
    }
    if (only.has(5) && chain && fan100) {
      say('workload 5 (Prefect)');
      const options = { url: h.url, runs, fanOutRuns: quick ? 2 : 3, items: 100, sequential, concurrent, say };
      out.push(...(await prefectComparison({ chain, fanOut: fan100, small }, options)));
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

/** Above this share of stolen CPU time the table warns that its figures are not to be trusted. */
const STEAL_WARNING = 0.05;

async function main(): Promise<void> {
  const ticksBefore = cpuTicks();
  const tuned = await measure(true);
  const defaults = await measure(false);
  // Last, alone on the machine: `weft dev` as its own process tree.
  let dev: Measure[] = [];
  if (only.has(7)) {
    say('workload 7 (weft dev memory and start-up)');
    dev = await memoryAndStartup(quick ? 3 : 10);
  }
  const rows = [
    ...tuned.map((m) => ({ server: 'tuned', ...m })),
    ...defaults.map((m) => ({ server: 'default', ...m })),
    ...dev.map((m) => ({ server: 'dev', ...m })),
  ];
  const lines = [`server   ${'workload'.padEnd(52)}      weft        raw   weft/raw  unit`];
  for (const r of rows) {
    lines.push(
      `${r.server.padEnd(8)} ${r.workload.padEnd(52)} ${r.weft.toFixed(2).padStart(9)} ${r.raw.toFixed(2).padStart(10)} ${(r.weft / r.raw).toFixed(3).padStart(9)}  ${r.unit}`,
    );
  }
  const defaultChain = defaults[0];
  const tunedChain = tuned[0];
  if (defaultChain && tunedChain?.workload === defaultChain.workload)
    lines.push(`tuning effect on raw Temporal, workload 1: ${defaultChain.raw.toFixed(2)} -> ${tunedChain.raw.toFixed(2)} ms/step`);
  const steal = stealShare(ticksBefore, cpuTicks());
  if (steal !== undefined) {
    lines.push(
      `CPU time taken by the host (steal): ${(steal * 100).toFixed(1)}%${steal > STEAL_WARNING ? ' -- over 5%: the machine was shared, run again when it is quieter' : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const file = outFile ?? join(projectPath('bench', 'results'), `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ quick, node: process.version, ...(steal !== undefined ? { cpuSteal: steal } : {}), rows }, null, 2));
  say(`results written to ${file}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
