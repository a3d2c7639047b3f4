// `npm test`: installs the Temporal CLI if needed, starts a private PostgreSQL, builds the
// workflow bundle once, then runs the test files with Node's test runner in two lanes: every file
// against one dev server, then test/cluster/ against a real Temporal server (built with Go when
// missing) whose persistence and visibility are on that PostgreSQL.
// Usage: npm test [-- <test files or folders>]

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { writeWorkflowBundle } from '../src/app/worker/workflow-bundle.js';
import { startDevServer } from '../src/services/temporal/dev-server.js';
import { ensureTemporalCli } from '../src/services/temporal/temporal-cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { startPrivatePostgres } from '../testbed/private-postgres.js';
import { startPrivateTemporalServer } from '../testbed/private-temporal-server.js';

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

/** The cluster lane: files run against a real Temporal server on PostgreSQL, not the dev server. */
const CLUSTER_DIR = resolve('test', 'cluster');

interface LaneServer {
  address: string;
  /** Variables the lane's tests read beside TEMPORAL_ADDRESS. */
  env?: Record<string, string>;
  stop(): Promise<void>;
}

async function runLane(name: string, files: string[], start: () => Promise<LaneServer>, baseEnv: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const server = await start();
  try {
    say(`${name}: running ${files.length} test files`);
    const env = { ...baseEnv, ...server.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' };
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
    await server.stop();
    say(`${name}: done in ${Math.round((Date.now() - started) / 1000)} s (server start and stop included)`);
  }
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'weft-test-'));
  const files = await testFiles(process.argv.slice(2));
  const inCluster = (file: string) => file.startsWith(CLUSTER_DIR + sep);
  const devFiles = files.filter((file) => !inCluster(file));
  const clusterFiles = files.filter(inCluster);
  const cli = await ensureTemporalCli(say);
  const bundle = join(work, 'workflow-bundle.js');
  say('starting a private PostgreSQL');
  const postgres = await startPrivatePostgres(await freePort());
  try {
    say('bundling workflow code');
    await writeWorkflowBundle(bundle);
    const env = {
      ...process.env,
      WEFT_WORKFLOW_BUNDLE: bundle,
      TEMPORAL_CLI_PATH: cli,
      WEFT_TEST_WORK_DIR: work,
      WEFT_TEST_POSTGRES_URL: postgres.url,
      // The suite's servers listen on loopback, which http tasks may not reach by default; the
      // tests of that default set their own policy.
      WEFT_HTTP_ALLOWED_HOSTS: process.env.WEFT_HTTP_ALLOWED_HOSTS ?? '127.0.0.1,localhost',
    };
    let code = 0;
    if (devFiles.length) {
      code = await runLane(
        'dev server lane',
        devFiles,
        async () => {
          const port = await freePort();
          say(`starting the Temporal dev server on 127.0.0.1:${port}`);
          return startDevServer({ dataDir: join(work, 'temporal'), port, uiPort: false, progress: say });
        },
        env,
      );
    }
    if (clusterFiles.length) {
      const cluster = await runLane(
        'cluster lane',
        clusterFiles,
        async () => {
          say('starting a real Temporal server on the private PostgreSQL (persistence and visibility)');
          const server = await startPrivateTemporalServer({ postgresUrl: postgres.url, workDir: join(work, 'temporal-server'), progress: say });
          return { ...server, env: { WEFT_TEST_TEMPORAL_DATABASE_URL: server.persistenceUrl, WEFT_TEST_TEMPORAL_VISIBILITY_URL: server.visibilityUrl } };
        },
        env,
      );
      code ||= cluster;
    }
    return code;
  } finally {
    await postgres.stop();
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
