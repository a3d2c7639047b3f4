#!/usr/bin/env node
// `npm run build` (also run by `npm install`, `npm start`, `npm test` and `npm run bench`):
// compiles the TypeScript of src/, workflows/, activities/, mcp/ and bench/ into dist/, one
// JavaScript file per source (and the web console, console/, into dist/console/), so `weft` starts without compiling on the fly; then writes the interpreter's workflow
// bundle into the cache, so a first `weft dev` need not run webpack in the worker's process.
// Plain JavaScript: it runs before anything else can. Type checking stays with `tsc --noEmit`.
//
//   node scripts/build.mjs            compile now
//   node scripts/build.mjs --if-stale compile only when dist/ no longer matches the sources
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { consoleNewestMs, distState, sourceFiles } from '../bin/dist-state.js';
import { buildConsole, buildRunView } from './build-console.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`[weft build] ${line}\n`);

async function main() {
  if (process.argv.includes('--if-stale') && distState(root).fresh) return;
  const started = performance.now();
  const sources = sourceFiles(root);
  // Built beside dist/ and swapped in whole, so a `weft` process starting meanwhile sees the old
  // build or the new one (or, for an instant, none: then it runs the sources), never half of one.
  const next = join(root, `dist-next-${process.pid}`);
  const old = join(root, `dist-old-${process.pid}`);
  await rm(next, { recursive: true, force: true });
  await build({ entryPoints: sources.files, outdir: next, outbase: root, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  await mkdir(next, { recursive: true });
  // The web console goes into the same swap, so a server never serves a console of another build.
  await buildConsole(join(next, 'console'));
  await buildRunView(join(next, 'mcp-app', 'run-view.html'));
  const info = { sources: sources.files.length, newestSourceMs: Math.max(sources.newestMs, consoleNewestMs(root)), builtAt: new Date().toISOString() };
  await writeFile(join(next, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  await rename(join(root, 'dist'), old).catch((error) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(next, join(root, 'dist'));
  await rm(old, { recursive: true, force: true });
  say(`compiled ${sources.files.length} files into dist/ in ${Math.round(performance.now() - started)} ms`);
  await prebuildWorkflowBundle();
}

/** A failure here costs only time at the first worker start, so it warns and goes on. */
async function prebuildWorkflowBundle() {
  const started = performance.now();
  try {
    const { loadWorkflowBundle } = await import(pathToFileURL(join(root, 'dist', 'src', 'app', 'worker', 'workflow-bundle.js')).href);
    await loadWorkflowBundle();
    say(`workflow bundle ready in the cache (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    say(`could not prebuild the workflow bundle (the worker builds it when it starts): ${error.message.split('\n')[0]}`);
  }
}

main().catch((error) => {
  say(`failed: ${error.message}`);
  process.exit(1);
});
