import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { TemporalSetupError } from '../../src/core/errors.js';
import { startDevServer } from '../../src/services/temporal/dev-server.js';
import { TemporalPortInUseError } from '../../src/services/temporal/dev-server-ports.js';
import { findTemporalCli } from '../../src/services/temporal/temporal-cli.js';
import { ensureTemporalServer, TEMPORAL_SERVER_VERSION } from '../../src/services/temporal/temporal-server.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
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

  it('says Go is needed for the real Temporal server of the cluster lane, and what to install', async () => {
    await assert.rejects(
      ensureTemporalServer(() => {}, { PATH: '/nonexistent', WEFT_CACHE_DIR: await workDir() }),
      (error: unknown) =>
        error instanceof TemporalSetupError &&
        error.message.includes(`Go is needed for the Temporal server ${TEMPORAL_SERVER_VERSION}: to build it into `) &&
        /install Go/.test(error.hint ?? ''),
    );
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

  it('refuses at once, saying what to do, when the port is taken (never joining what listens there)', async () => {
    // Accepted sockets are destroyed at the end: a plain TCP listener keeps them (and this test
    // process) alive after close().
    const sockets = new Set<import('node:net').Socket>();
    const blocker = createServer((socket) => sockets.add(socket));
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const started = Date.now();
      await assert.rejects(
        startDevServer({ dataDir: await workDir(), port, uiPort: false, readyTimeoutMs: 20_000 }),
        (error: unknown) =>
          error instanceof TemporalPortInUseError &&
          error.code === 'TEMPORAL_PORT_IN_USE' &&
          error.message.includes(`gRPC port ${port} on 127.0.0.1 is already in use`) &&
          /--port P/.test(error.hint ?? '') &&
          (error.hint ?? '').includes(`TEMPORAL_ADDRESS=127.0.0.1:${port}`),
      );
      assert.ok(Date.now() - started < 5000, 'refused before any wait for readiness');
      assert.equal(sockets.size, 0, 'nothing connected to the server already on the port');
    } finally {
      for (const socket of sockets) socket.destroy();
      blocker.close();
    }
  });

  it("falls back to the SDK's download when there is neither a CLI nor Go, and says so when that fails too", async () => {
    // In a child process: the SDK's failed download leaves a native handle that would keep this
    // test process alive. This machine reaches no download host, so the last resort fails.
    // With -e, process.argv holds no script path: the first argument after the script is argv[1].
    const script = `
      import { startDevServer } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'services', 'temporal', 'dev-server.ts'))};
      const lines = [];
      try {
        await startDevServer({ dataDir: process.argv[1], port: Number(process.argv[2]), uiPort: false, progress: (l) => lines.push(l) });
        console.log(JSON.stringify({ started: true }));
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, message: error.message, hint: error.hint, lines }));
      }
      process.exit(0);
    `;
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:/nonexistent`, WEFT_CACHE_DIR: await workDir() };
    delete env.TEMPORAL_CLI_PATH;
    const dataDir = join(await workDir(), 'data');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir, String(await freePort())], {
      env,
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { name?: string; message?: string; hint?: string; lines?: string[] };
    assert.equal(result.name, 'TemporalSetupError');
    assert.match(result.message ?? '', /Go is not available to build it, and the SDK's download failed/);
    assert.match(result.hint ?? '', /install Go/);
    assert.ok(result.lines?.some((l) => l.includes('asking the Temporal SDK to download the dev server')));
    assert.ok((await stat(dataDir)).isDirectory(), 'the data directory it was given, not one named after the port in the working directory');
  });
});
