// `weft cache clear` as a process against the store a real worker caches into: after clearing a
// flow's entries the next run does its I/O again; a request that selects nothing is refused.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

describe('weft cache clear', () => {
  let env: TestEnv;
  let server: TestHttpServer;

  function weft(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: env.dataDir } }, (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  before(async () => {
    server = await startHttpServer();
    server.route('/', (req, res) => json(res, 200, { path: req.url }));
    env = await createTestEnv();
  });
  after(async () => {
    await env.close();
    await server.close();
  });

  it('shows where a CACHED task’s entry came from, and clears a flow’s entries so its next run misses and requests again', async () => {
    const flow = (id: string) => `id: ${id}\nnamespace: cachecli\ntasks:\n  - { id: fetch, type: http, url: "${server.url}/${id}", cache: { ttl: 1h } }\n`;
    const stored = await runFlow(env, flow('first'));
    assertCompleted(stored);
    assertCompleted(await runFlow(env, flow('second')));
    const hit = await runFlow(env, flow('first'));
    assert.equal(taskOf(hit, 'fetch').state, 'CACHED');

    // The run view says where the entry came from.
    const shown = await weft(['run', 'get', hit.runId]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^  CACHED +fetch \\(cached from run ${stored.runId.replaceAll('.', '\\.')}, task fetch, \\d{4}-`, 'm'));

    const cleared = await weft(['cache', 'clear', '--flow', 'cachecli/first', '--json']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.deepEqual(JSON.parse(cleared.stdout), { removed: 1, expired: 0 });

    const again = await runFlow(env, flow('first'));
    assert.equal(taskOf(again, 'fetch').state, 'COMPLETED');
    assert.equal(server.requests.filter((r) => r.url === '/first').length, 2);
    // The other flow's entry was left alone.
    assert.equal(taskOf(await runFlow(env, flow('second')), 'fetch').state, 'CACHED');

    const all = await weft(['cache', 'clear', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^removed 2 cache entries \(and 0 expired\)$/m);
    assert.equal(taskOf(await runFlow(env, flow('second')), 'fetch').state, 'COMPLETED');
  });

  it('refuses to clear without saying what, in one line with a hint and exit code 1', async () => {
    const result = await weft(['cache', 'clear']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^error: cache clear needs --flow, --task or --all \(hint: e\.g\. weft cache clear --flow default\/hello/);
  });
});
