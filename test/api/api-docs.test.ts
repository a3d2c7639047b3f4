// docs/api.md as written: each shell block run with /bin/sh against a real server (what a line's
// trailing comment shows must be in the output, `...` for anything), and the TypeScript block run
// as a program with the client. A new block of either kind is run without a change here.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, type ApiServer, apiFixture } from './api-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Fence {
  lang: string;
  text: string;
}

async function fences(): Promise<Fence[]> {
  const text = await readFile(join(ROOT, 'docs', 'api.md'), 'utf8');
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', text: m[2] ?? '' }));
}

/** What a line's trailing comment shows it prints, as a pattern: its words in order, `...` for anything (`weft_...`: a word that begins so). */
function shownOutput(line: string): RegExp | undefined {
  const comment = /\s#\s+(.*)$/.exec(line)?.[1];
  if (!comment) return undefined;
  const literal = (w: string) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const words = comment.split(/\s+/).map((w) => (w.endsWith('...') || w.endsWith('…') ? `${literal(w.replace(/(\.\.\.|…)$/, ''))}[\\s\\S]*` : literal(w)));
  return new RegExp(words.join('\\s*'));
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the examples of docs/api.md', () => {
  let fixture: ApiFixture;
  let server: ApiServer;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    fixture = await apiFixture();
    server = await fixture.serve({ auth: true });
    const token = (await fixture.keys.create({ scope: 'admin', name: 'docs' })).token;
    env = { WEFT_URL: server.base, WEFT_KEY: token, WEFT_DATA_DIR: await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'docs-api-')) };
  });
  after(async () => {
    await fixture?.close();
  });

  it('runs every shell block, and each prints what its comments show', async () => {
    const blocks = (await fences()).filter((f) => f.lang === 'sh');
    assert.ok(blocks.length >= 4);
    for (const block of blocks) {
      const result = await run('/bin/sh', ['-ec', block.text], env);
      assert.equal(result.code, 0, `${block.text}\nexit ${result.code}: ${result.stderr}`);
      for (const line of block.text.split('\n')) {
        const shown = shownOutput(line);
        if (shown) assert.match(result.stdout, shown, `${line}\nprinted: ${result.stdout}`);
      }
    }
  });

  it('runs the client example: a run followed to the end, its output and logs, and a typed error', async () => {
    const [example] = (await fences()).filter((f) => f.lang === 'ts');
    assert.ok(example);
    const dir = await mkdtemp(join(ROOT, 'test', 'api', '.docs-'));
    const file = join(dir, 'example.ts');
    // The published path is `weft/client` (dist/, built by npm install); here the sources are run.
    await writeFile(file, example.text.replace("from 'weft/client'", `from '${join(ROOT, 'src', 'adapters', 'client', 'weft-client.ts')}'`));
    const result = await run(process.execPath, ['--import', 'tsx', file], env);
    await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pause: COMPLETED/);
    assert.match(result.stdout, /run COMPLETED/);
    assert.match(result.stdout, /^Hello, client$/m);
    assert.match(result.stdout, /Hello, client!/);
    assert.match(result.stdout, /422 FLOW_INVALID \[.*tasks\[0\]\.type/s);
  });
});
