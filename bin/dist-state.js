// Whether dist/ (the TypeScript sources compiled by scripts/build.mjs) still matches the
// sources. Checked by bin/weft.js at every start, so it only reads file times: a few ms for the
// few hundred files of src/, workflows/, activities/, mcp/ and bench/ (the benchmarks run
// compiled, as users run Weft).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The folders compiled into dist/, mirrored there (dist/src, dist/workflows, ...). */
export const SOURCE_DIRS = ['src', 'workflows', 'activities', 'mcp', 'bench', 'testbed'];
const BUILD_INFO = join('dist', 'build-info.json');

/**
 * The TypeScript sources below `root`: their count and the newest modification time.
 * @param {string} root
 * @returns {{ files: string[], newestMs: number, newestFile: string }}
 */
export function sourceFiles(root) {
  const files = [];
  let newestMs = 0;
  let newestFile = '';
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const file = join(entry.parentPath ?? entry.path, entry.name);
      files.push(file);
      const { mtimeMs } = statSync(file);
      if (mtimeMs > newestMs) {
        newestMs = mtimeMs;
        newestFile = file;
      }
    }
  }
  return { files, newestMs, newestFile };
}

/**
 * The newest modification time of the web console's sources (console/src/, bundled into
 * dist/console/ by scripts/build-console.mjs), 0 when there are none.
 * @param {string} root
 * @returns {number}
 */
export function consoleNewestMs(root) {
  let newest = 0;
  try {
    for (const entry of readdirSync(join(root, 'console', 'src'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  } catch {
    // No console sources (an installed package without them): nothing to be stale against.
  }
  return newest;
}

/**
 * Fresh when dist/ was built from exactly the sources there are now: the same number of files,
 * none changed since. Otherwise the reason, for the one debug line bin/weft.js writes.
 * @param {string} root
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function distState(root) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(root, BUILD_INFO), 'utf8'));
  } catch {
    return { fresh: false, reason: 'dist/ is not built (npm run build)' };
  }
  const now = sourceFiles(root);
  if (now.files.length !== info.sources) return { fresh: false, reason: 'source files were added or removed since the last build' };
  if (consoleNewestMs(root) > info.newestSourceMs) return { fresh: false, reason: 'the web console (console/src) changed since the last build' };
  if (now.newestMs > info.newestSourceMs) return { fresh: false, reason: `${relative(root, now.newestFile)} changed since the last build` };
  return { fresh: true };
}
