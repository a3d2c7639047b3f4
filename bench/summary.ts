// `npm run bench:summary`: the headline of bench/README.md, built from the full runs' JSON in
// bench/results/: for every row, the median over the runs of each side and of the ratio, with
// the ratio's range across runs; which targets hold in how many runs; and the scaling plot
// (bench/scaling.svg) from the medians of the runs' scaling points.
//   --rev=REV   only runs of that revision (default: the revision of the newest full run)
//   --all       every full run, whatever its revision
//   --dir=DIR   read the runs from DIR instead of bench/results
//   --svg=FILE  write the plot to FILE instead of bench/scaling.svg

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { projectPath } from '../src/services/config/paths.js';
import { type Measure, median } from './measure.js';
import { RESULTS_DIR } from './results-file.js';
import { scalingSvg } from './scaling-plot.js';
import type { ScalingPoint } from './scaling-workload.js';
import { TARGETS, type Target } from './targets.js';

/** Fewest full runs the README's headline may be built from. */
const MIN_RUNS = 3;

interface RunFile {
  file: string;
  quick: boolean;
  /** The workloads of an `--only` run. */
  only?: number[];
  revision?: string;
  startedAt?: string;
  cpuSteal?: number;
  rows: Array<Measure & { server: string }>;
  scaling?: ScalingPoint[];
}

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

async function fullRuns(dir: string): Promise<RunFile[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const runs: RunFile[] = [];
  for (const name of names) {
    const run = JSON.parse(await readFile(join(dir, name), 'utf8')) as Omit<RunFile, 'file'>;
    // JSON writes a figure that is not finite (a sustained-load p99 with runs that never ended) as null.
    const figure = (v: number | null | undefined) => (v === null ? Number.NaN : v);
    const rows = run.rows.map((r) => ({ ...r, weft: figure(r.weft) ?? Number.NaN, raw: figure(r.raw) ?? Number.NaN, rawBest: figure(r.rawBest) }));
    // An `--only` run is not a full run; files from before `only` was written tell by their
    // scaling points, which only workload 8 gives and every full run has.
    const partial = run.only !== undefined || (run.scaling ?? []).length === 0;
    if (!run.quick && !partial) runs.push({ ...run, rows, file: name });
  }
  return runs;
}

function chosen(runs: RunFile[]): RunFile[] {
  if (process.argv.includes('--all')) return runs;
  const revision = flag('rev') ?? runs.at(-1)?.revision;
  return runs.filter((r) => r.revision === revision);
}

const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/**
 * A row's unit without what one run writes into it (a figure in brackets, `(node 287, temporal
 * 137)`, `(n=2400)`, or `(NaN: ...)`), so the same row of every run lands on one line.
 */
function unitOf(unit: string): string {
  return unit.replace(/\s*\((?:[^()]*\d[^()]*|NaN:[^()]*)\)/g, '');
}

function rowTable(runs: RunFile[]): string[] {
  const keys: string[] = [];
  const byKey = new Map<string, Array<Measure & { server: string }>>();
  for (const run of runs) {
    for (const row of run.rows) {
      const key = `${row.server}|${row.workload}|${unitOf(row.unit)}`;
      if (!byKey.has(key)) keys.push(key);
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
  }
  const lines = ['| server | workload | unit | runs | Weft | raw | Weft/raw (range) | raw best | Weft/best |', '|---|---|---|---|---|---|---|---|---|'];
  for (const key of keys) {
    const rows = byKey.get(key) ?? [];
    const [server, workload, unit] = key.split('|');
    const ratios = rows.map((r) => r.weft / r.raw).filter(Number.isFinite);
    const best = rows.filter((r) => r.rawBest !== undefined);
    const range = ratios.length > 1 ? ` (${fmt(Math.min(...ratios), 3)}-${fmt(Math.max(...ratios), 3)})` : '';
    lines.push(
      `| ${server} | ${workload} | ${unit} | ${rows.length} | ${fmt(median(rows.map((r) => r.weft)))} | ${fmt(median(rows.map((r) => r.raw)))} | ${fmt(median(ratios), 3)}${range} | ${
        best.length ? fmt(median(best.map((r) => r.rawBest ?? Number.NaN))) : ''
      } | ${best.length ? fmt(median(best.map((r) => r.weft / (r.rawBest ?? Number.NaN))), 3) : ''} |`,
    );
  }
  return lines;
}

function targetLines(runs: RunFile[]): string[] {
  const lines = ['| target | median | holds in |', '|---|---|---|'];
  for (const target of TARGETS) {
    const values = runs.flatMap((run) => {
      const v = targetValue(target, run);
      return v === undefined ? [] : [v];
    });
    if (values.length === 0) continue;
    const holding = values.filter((v) => target.holds(v)).length;
    lines.push(`| ${target.name} | ${fmt(median(values), 3)} | ${holding} of ${values.length} runs |`);
  }
  return lines;
}

function targetValue(target: Target, run: RunFile): number | undefined {
  // The default-config server's rows repeat workload 1's names; targets are for Weft's settings.
  const row = run.rows.find((r) => r.server !== 'default' && target.row(r));
  return row ? target.value(row) : undefined;
}

/** Each (shape, size, side)'s medians over the runs. */
function medianPoints(runs: RunFile[]): ScalingPoint[] {
  const groups = new Map<string, ScalingPoint[]>();
  for (const p of runs.flatMap((r) => r.scaling ?? [])) {
    const key = `${p.shape}|${p.size}|${p.side}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((ps) => {
    const first = ps[0] as ScalingPoint;
    const m = (f: (p: ScalingPoint) => number) => median(ps.map(f));
    return {
      ...first,
      runs: ps.length,
      makespanMs: m((p) => p.makespanMs),
      msPerItem: m((p) => p.msPerItem),
      tasksPerSecond: m((p) => p.tasksPerSecond),
      events: m((p) => p.events),
      peakRssMb: m((p) => p.peakRssMb),
      rssGrowthMb: m((p) => p.rssGrowthMb ?? Number.NaN),
    };
  });
}

async function main(): Promise<void> {
  const dir = resolve(flag('dir') ?? RESULTS_DIR);
  const runs = chosen(await fullRuns(dir));
  if (runs.length === 0) {
    process.stdout.write(`no full runs in ${dir}: run \`npm run bench\` (three times for a headline)\n`);
    return;
  }
  const out = [
    `Full runs: ${runs.length} (${runs.map((r) => `${r.file}${r.cpuSteal !== undefined ? `, steal ${(r.cpuSteal * 100).toFixed(1)}%` : ''}`).join('; ')})`,
    ...(runs.length < MIN_RUNS ? [`WARNING: fewer than ${MIN_RUNS} full runs: not a headline yet.`] : []),
    '',
    ...rowTable(runs),
    '',
    ...targetLines(runs),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  const points = medianPoints(runs);
  if (points.length > 0) {
    const svg = resolve(flag('svg') ?? projectPath('bench', 'scaling.svg'));
    await writeFile(svg, scalingSvg(points, `Cost per item as the work grows (median of ${runs.length} full runs, ${runs.at(-1)?.revision ?? ''})`));
    process.stderr.write(`scaling plot written to ${svg}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`bench:summary failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
