// `npm test`: installs the Temporal CLI if needed, starts one dev server for the suite, builds
// the workflow bundle once, then runs every test file with Node's test runner.
// Usage: npm test [-- <test files or folders>]

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeWorkflowBundle } from '../src/app/worker/workflow-bundle.js';
import { startDevServer } from '../src/services/temporal/dev-server.js';
import { ensureTemporalCli } from '../src/services/temporal/temporal-cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { startTestPostgres } from './test-postgres.js';

/** The longest a test (and a test file) may take; the slowest files today take about a minute. */
const TEST_TIMEOUT_MS = 300_000;

const say = (line: string) => process.stderr.write(`[weft test] ${line}\n`);

async function testFiles(targets: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const target of targets.length ? targets : ['test']) {
    const path = resolve(target);
    if ((await stat(path)).isFile()) out.push(path);
    else {
      for (const entry of await readdir(path, { recursive: true })) {
        if (entry.endsWith('.test.ts')) out.push(join(path, entry));
      }
    }
  }
  return out.sort();
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'weft-test-'));
  const cli = await ensureTemporalCli(say);
  const port = await freePort();
  say(`starting the Temporal dev server on 127.0.0.1:${port}`);
  const server = await startDevServer({ dataDir: join(work, 'temporal'), port, uiPort: false, progress: say });
  const bundle = join(work, 'workflow-bundle.js');
  say('starting a private PostgreSQL');
  const postgres = await startTestPostgres(await freePort());
  try {
    say('bundling workflow code');
    await writeWorkflowBundle(bundle);
    const files = await testFiles(process.argv.slice(2));
    say(`running ${files.length} test files`);
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      WEFT_WORKFLOW_BUNDLE: bundle,
      TEMPORAL_CLI_PATH: cli,
      WEFT_TEST_WORK_DIR: work,
      WEFT_TEST_POSTGRES_URL: postgres.url,
      // The suite's servers listen on loopback, which http tasks may not reach by default; the
      // tests of that default set their own policy.
      WEFT_HTTP_ALLOWED_HOSTS: process.env.WEFT_HTTP_ALLOWED_HOSTS ?? '127.0.0.1,localhost',
    };
    // A test or file that hangs fails after TEST_TIMEOUT_MS instead of holding the whole suite,
    // and a file whose tests are done exits even if a handle is left open.
    const args = [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      '--test-force-exit',
      '--test-reporter=spec',
      ...files,
    ];
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    return await new Promise<number>((done) => child.on('exit', (code) => done(code ?? 1)));
  } finally {
    await postgres.stop();
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(`failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
