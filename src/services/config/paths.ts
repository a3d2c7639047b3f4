// Where Weft keeps things: the data directory (per installation, `WEFT_DATA_DIR`, default
// ~/.weft) and the cache directory (shared by every data directory, for the Temporal CLI build
// and workflow bundles; `WEFT_CACHE_DIR`, default $XDG_CACHE_HOME/weft or ~/.cache/weft), and
// the project's own files (examples, prompts, docs, workflow sources) wherever the code runs from.

import { chmod, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The data directory of an environment (loadConfig reads it into `config.dataDir`); empty means unset. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WEFT_DATA_DIR?.trim() || join(homedir(), '.weft'));
}

/** The cache directory of an environment (loadConfig reads it into `config.cacheDir`); empty means unset. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.WEFT_CACHE_DIR?.trim();
  if (own) return resolve(own);
  return resolve(env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'weft');
}

/**
 * The folder holding package.json, examples/, prompts/, docs/ and the workflow sources. This
 * module runs either from `src/services/config/` or, compiled, from `dist/src/services/config/` (see
 * scripts/build.mjs), so files beside the project are found the same way from both.
 */
export function projectPath(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments);
}

const PROJECT_ROOT = (() => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return basename(root) === 'dist' ? dirname(root) : root;
})();

/**
 * Creates a private directory (0700), and tightens an existing one that is wider, so other users
 * of the machine cannot read Weft's store and key. A directory owned by someone else, or a shared
 * one with the sticky bit (such as /tmp), is left as it is.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if ((info.mode & 0o1077) === 0 || (process.getuid && info.uid !== process.getuid())) return;
  if (info.mode & 0o1000) return;
  await chmod(dir, 0o700);
}

/** Makes existing files readable and writable by their owner only (0600); missing ones are skipped. */
export async function tightenFileModes(...files: string[]): Promise<void> {
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info && (info.mode & 0o077) !== 0) await chmod(file, 0o600);
  }
}
