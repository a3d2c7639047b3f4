import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { TemporalSetupError } from '../../src/errors.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { findTemporalCli } from '../../src/temporal/temporal-cli.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const workDir = () => mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'provision-'));

describe('Temporal provisioning', () => {
  it('refuses a TEMPORAL_CLI_PATH that is not an executable, naming it', async () => {
    await assert.rejects(
      findTemporalCli({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' }),
      (error: unknown) => error instanceof TemporalSetupError && /TEMPORAL_CLI_PATH=\/nonexistent\/temporal/.test(error.message),
    );
  });

  it('finds the CLI in the cache directory when it is not on PATH', async () => {
    const cacheDir = await workDir();
    assert.equal(await findTemporalCli({ PATH: '/nonexistent', WEFT_CACHE_DIR: cacheDir }), undefined);
    await mkdir(join(cacheDir, 'bin'));
    await writeFile(join(cacheDir, 'bin', 'temporal'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(await findTemporalCli({ PATH: '/nonexistent', WEFT_CACHE_DIR: cacheDir }), join(cacheDir, 'bin', 'temporal'));
  });

  it('registers the search attributes again on an existing database, where start-dev flags are ignored', async () => {
    const dir = await workDir();
    const port = await freePort();
    for (let start = 0; start < 2; start++) {
      const server = await startDevServer({ dataDir: dir, port, uiPort: false });
      try {
        const connection = await Connection.connect({ address: server.address });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        await connection.close();
        for (const name of ['WeftFlow', 'WeftNamespace', 'WeftRevision', 'WeftWaiting'])
          assert.ok(customAttributes && name in customAttributes, `${name} missing on start ${start + 1}`);
      } finally {
        await server.stop();
      }
    }
  });

  it('fails clearly, within its bounded wait, when the port is taken', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      await assert.rejects(
        startDevServer({ dataDir: await workDir(), port, uiPort: false, readyTimeoutMs: 20_000 }),
        (error: unknown) => error instanceof TemporalSetupError && /exited with code|was not ready within/.test(error.message),
      );
    } finally {
      blocker.close();
    }
  });

  it("falls back to the SDK's download when there is neither a CLI nor Go, and says so when that fails too", async () => {
    const saved = { PATH: process.env.PATH, TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH, WEFT_CACHE_DIR: process.env.WEFT_CACHE_DIR };
    process.env.PATH = '/nonexistent';
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.WEFT_CACHE_DIR = await workDir();
    const lines: string[] = [];
    try {
      // This machine reaches no download host, so the last resort fails; the error must say what to install.
      await assert.rejects(
        startDevServer({ dataDir: await workDir(), port: await freePort(), uiPort: false, progress: (l) => lines.push(l) }),
        (error: unknown) => {
          return (
            error instanceof TemporalSetupError &&
            /Go is not available to build it, and the SDK's download failed/.test(error.message) &&
            /install Go/.test(error.hint ?? '')
          );
        },
      );
      assert.ok(lines.some((l) => l.includes('asking the Temporal SDK to download the dev server')));
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
