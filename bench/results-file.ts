// Where a bench run's JSON goes: a full run under bench/results/<date>-<rev>.json (committed, so
// every figure in bench/README.md has its JSON), a quick run in the system's temp directory.

import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../src/services/config/paths.js';

/** The folder of full runs' results, read by `npm run bench:summary`. */
export const RESULTS_DIR = projectPath('bench', 'results');

/** The commit measured, short, with `-dirty` when the tree has changes; `unknown` outside git. */
export function sourceRevision(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectPath(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const rev = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? rev : `${rev}-dirty`;
  } catch {
    return 'unknown';
  }
}

/** `2026-12-06T08-41Z-b6ee1f3.json` under bench/results, or under the temp directory for a quick run. */
export function defaultResultsFile(quick: boolean, revision: string, at = new Date()): string {
  const stamp = at.toISOString().slice(0, 16).replace(/:/g, '-');
  return join(quick ? join(tmpdir(), 'weft-bench') : RESULTS_DIR, `${stamp}Z-${revision}.json`);
}
