// Where Weft keeps things: the data directory (per installation, `WEFT_DATA_DIR`, default
// ~/.weft) and the cache directory (shared by every data directory, for the Temporal CLI build
// and workflow bundles; `WEFT_CACHE_DIR`, default $XDG_CACHE_HOME/weft or ~/.cache/weft).

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WEFT_DATA_DIR ?? join(homedir(), '.weft'));
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEFT_CACHE_DIR) return resolve(env.WEFT_CACHE_DIR);
  return resolve(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weft');
}
