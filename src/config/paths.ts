// Where Weft keeps things: the data directory (per installation, `WEFT_DATA_DIR`, default
// ~/.weft) and the cache directory (shared by every data directory, for the Temporal CLI build
// and workflow bundles; `WEFT_CACHE_DIR`, default $XDG_CACHE_HOME/weft or ~/.cache/weft), and
// the project's own files (examples, prompts, docs, workflow sources) wherever the code runs from.

import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WEFT_DATA_DIR ?? join(homedir(), '.weft'));
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEFT_CACHE_DIR) return resolve(env.WEFT_CACHE_DIR);
  return resolve(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weft');
}

/**
 * The folder holding package.json, examples/, prompts/, docs/ and the workflow sources. This
 * module runs either from `src/config/` or, compiled, from `dist/src/config/` (see
 * scripts/build.mjs), so files beside the project are found the same way from both.
 */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}

const PROJECT_ROOT = (() => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return basename(root) === 'dist' ? dirname(root) : root;
})();
