// The example of docs/flows.md, "Restarting a run", as written: its flow saved and run against
// a loopback server whose charge endpoint is down, then its command run as a process; the line
// its comment shows is what it prints, and the reserve request is made once.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { triggerServices } from '../helpers/trigger-services.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'weft.js');

/** The section's fenced blocks by language. */
async function restartSection(): Promise<{ yaml: string; command: string; shown: string }> {
  const doc = await readFile(join(ROOT, 'docs', 'flows.md'), 'utf8');
  const start = doc.indexOf('## Restarting a run');
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const text = /```text\n([\s\S]*?)```/.exec(section)?.[1]?.trim().split('\n');
  assert.ok(yaml && text?.length === 2, 'the section shows a flow and a command with its output');
  return { yaml, command: text[0] as string, shown: (text[1] as string).replace(/^#\s*/, '') };
}

describe('docs/flows.md: restarting a run', () => {
  let env: TestEnv;
  let server: TestHttpServer;
  let chargeDown = true;

  before(async () => {
    env = await createTestEnv();
    server = await startHttpServer();
    server.route('/reserve', (_req, res) => json(res, 200, { id: 'r-1' }));
    server.route('/charge', (_req, res) => (chargeDown ? json(res, 503, { error: 'down' }) : json(res, 200, { charged: true })));
    server.route('/notify', (_req, res) => json(res, 200, {}));
  });
  after(async () => {
    await server.close();
    await env.close();
  });

  it('restarts the failed checkout as shown: reserve is reused, charge and notify run', async () => {
    const { yaml, command, shown } = await restartSection();
    const { flows, runs } = await triggerServices(env);
    await flows.save(yaml);
    const { runId } = await runs.start({ flow: 'shop/checkout', inputs: { api: server.url } });
    assert.equal(await runs.waitForClose(runId), 'FAILED');
    chargeDown = false;

    const args = command
      .split(/\s+/)
      .slice(1)
      .map((arg) => (arg.startsWith('shop.checkout-') ? runId : arg));
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { env: { ...process.env, WEFT_DATA_DIR: env.dataDir, WEFT_TASK_QUEUE: env.taskQueue } },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    // Run ids are the run's own; `...` stands for the lines between.
    const pattern = shown
      .split(/\s+/)
      .map((word) =>
        word === '...'
          ? '[\\s\\S]*'
          : word.startsWith('shop.checkout-')
            ? `shop\\.checkout-\\S+?${word.endsWith(':') ? ':' : ''}`
            : word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
      )
      .join('\\s+');
    assert.match(out.stdout, new RegExp(pattern));
    const count = (path: string) => server.requests.filter((r) => r.url === path).length;
    assert.deepEqual([count('/reserve'), count('/charge'), count('/notify')], [1, 2, 1]);
  });
});
