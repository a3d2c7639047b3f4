// The web console's built files (scripts/build-console.mjs writes them into dist/console/): read
// once from disk into memory, each with its content type and cache rule. Only files the build
// listed in its manifest are served, so no request path ever reaches the file system.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the console serves. */
export interface ConsoleFile {
  body: Buffer;
  contentType: string;
  /** Hashed assets never change under their name; index.html must be checked every time. */
  immutable: boolean;
}

/** What build-console.mjs writes beside the files: the asset names, hashed. */
interface ConsoleManifest {
  files: string[];
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** The console's files by URL path (`/index.html`, `/assets/console-1A2B3C.js`). */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

/** The folder the build writes: dist/console/ of the package this module belongs to. */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  // Run from src/ (tsx) or dist/src/ (compiled): the package root is the first folder up with a package.json.
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'console');
}

/** The built files of `dir`, or undefined when the console was not built there. */
export async function loadConsoleFiles(dir: string): Promise<ConsoleFiles | undefined> {
  let manifest: ConsoleManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ConsoleManifest;
  } catch {
    return undefined;
  }
  const files = new Map<string, ConsoleFile>();
  for (const name of ['index.html', ...manifest.files]) {
    const extension = /\.[a-z]+$/.exec(name)?.[0] ?? '';
    const contentType = CONTENT_TYPES[extension];
    // The manifest is the build's, but a name outside the folder or of an unknown kind is never served.
    if (!contentType || name.includes('..') || name.startsWith('/')) continue;
    files.set(`/${name}`, { body: await readFile(join(dir, name)), contentType, immutable: name !== 'index.html' });
  }
  return files;
}
