// `weft/client` builds for a browser: bundled with esbuild for platform browser it resolves no
// Node built-in (the build fails on one), carries neither zod nor the tools, and stays small.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

const ENTRY = new URL('../../src/adapters/client/weft-client.ts', import.meta.url).pathname;

describe('the client in a browser bundle', () => {
  it('bundles for the browser with no Node built-in, no zod, no tool code', async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(
      inputs.filter((path) => path.includes('node_modules') || path.startsWith('mcp/') || path.includes('/services/')),
      [],
      'only the client and the route table are in the bundle',
    );
    const code = result.outputFiles[0]?.text ?? '';
    assert.doesNotMatch(code, /from ["']node:/);
    assert.ok(code.length < 40_000, `${code.length} bytes`);
    assert.match(code, /WeftClient = class/);
  });

  it('fails the build when the client reaches for a Node built-in', async () => {
    await assert.rejects(
      build({
        stdin: { contents: `import '${ENTRY}'; import { readFileSync } from 'node:fs'; console.log(readFileSync);`, resolveDir: process.cwd(), loader: 'ts' },
        bundle: true,
        platform: 'browser',
        write: false,
        logLevel: 'silent',
      }),
      /node:fs/,
    );
  });
});
