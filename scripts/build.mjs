#!/usr/bin/env node
// `npm run build` (also run by `npm install`, `npm start` and `npm test`): compiles the
// TypeScript of src/, workflows/, activities/ and mcp/ into dist/, one JavaScript file per
// source, so `weft` starts without compiling on the fly; then writes the interpreter's workflow
// bundle into the cache, so a first `weft dev` need not run webpack in the worker's process.
// Plain JavaScript: it runs before anything else can. Type checking stays with `tsc --noEmit`.
//
//   node scripts/build.mjs            compile now
//   node scripts/build.mjs --if-stale compile only when dist/ no longer matches the sources
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUILD_INFO, distState, sourceFiles } from '../bin/dist-state.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`[weft build] ${line}\n`);

async function main() {
  if (process.argv.includes('--if-stale') && distState(root).fresh) return;
  const started = performance.now();
  const sources = sourceFiles(root);
  await rm(join(root, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: sources.files,
    outdir: join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  await mkdir(join(root, 'dist'), { recursive: true });
  await writeFile(
    join(root, BUILD_INFO),
    `${JSON.stringify({ sources: sources.files.length, newestSourceMs: sources.newestMs, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  say(`compiled ${sources.files.length} files into dist/ in ${Math.round(performance.now() - started)} ms`);
  await prebuildWorkflowBundle();
}

/** A failure here costs only time at the first worker start, so it warns and goes on. */
async function prebuildWorkflowBundle() {
  const started = performance.now();
  try {
    const { loadWorkflowBundle } = await import(pathToFileURL(join(root, 'dist', 'src', 'worker', 'workflow-bundle.js')).href);
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
