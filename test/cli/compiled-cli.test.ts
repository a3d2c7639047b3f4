// bin/weft.js runs dist/ only while it matches the sources: built from the same files, none
// changed since. Otherwise it runs the sources through tsx and, at debug level, says why.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
// @ts-expect-error plain JavaScript (it runs before anything is compiled); typed by its JSDoc
import { distState, SOURCE_DIRS, sourceFiles } from '../../bin/dist-state.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function tree(): Promise<string> {
  const root = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'dist-state-'));
  for (const dir of SOURCE_DIRS as string[]) {
    await mkdir(join(root, dir, 'nested'), { recursive: true });
    await writeFile(join(root, dir, 'nested', 'a.ts'), 'export const a = 1;\n');
  }
  return root;
}

async function recordBuild(root: string): Promise<void> {
  const sources = sourceFiles(root);
  await mkdir(join(root, 'dist'), { recursive: true });
  await writeFile(join(root, 'dist', 'build-info.json'), JSON.stringify({ sources: sources.files.length, newestSourceMs: sources.newestMs }));
}

describe('compiled CLI freshness', () => {
  it('is stale without a build, fresh after one, and stale again when a source changes or a file is added', async () => {
    const root = await tree();
    assert.deepEqual(distState(root), { fresh: false, reason: 'dist/ is not built (npm run build)' });
    await recordBuild(root);
    assert.deepEqual(distState(root), { fresh: true });

    const edited = join(root, 'workflows', 'nested', 'a.ts');
    const later = new Date(Date.now() + 5000);
    await utimes(edited, later, later);
    assert.deepEqual(distState(root), { fresh: false, reason: `${join('workflows', 'nested', 'a.ts')} changed since the last build` });

    await recordBuild(root);
    await writeFile(join(root, 'src', 'b.ts'), 'export const b = 2;\n');
    await utimes(join(root, 'src', 'b.ts'), new Date(0), new Date(0));
    assert.deepEqual(distState(root), { fresh: false, reason: 'source files were added or removed since the last build' });
  });

  it('runs the compiled CLI in this checkout (npm test builds it first), and the sources when told to load Weft modules', async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'weft.js'), '--version'], { env: { ...process.env, ...env } });
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const compiled = await run({ WEFT_LOG_LEVEL: 'debug' });
    assert.equal(compiled.stdout.trim(), version);
    assert.match(compiled.stderr, /"msg":"running the compiled CLI from dist\/"/);
    const sources = await run({ WEFT_LOG_LEVEL: 'debug', WEFT_MODULES: join(ROOT, 'examples', 'code-flows', 'weft-module.ts') });
    assert.equal(sources.stdout.trim(), version);
    assert.match(sources.stderr, /running the TypeScript sources through tsx: WEFT_MODULES is set/);
  });
});
