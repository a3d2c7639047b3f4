// Finds the `temporal` CLI, or installs it: TEMPORAL_CLI_PATH, then PATH, then Weft's cache
// directory; else `go install` of the pinned version into that cache (one build serves every
// data directory).

import { spawn } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TemporalSetupError } from '../../core/errors.js';
import { cacheDir } from '../config/paths.js';

/** The CLI version Weft installs; the newest tag that `go install` can build. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The CLI's path if one is already available, without installing anything. */
export async function findTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return env.TEMPORAL_CLI_PATH;
    throw new TemporalSetupError(
      `TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`,
      'point it at a temporal binary, or unset it to let Weft find or install one',
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, 'temporal')))) return join(dir, 'temporal');
  }
  const cached = join(cacheDir(env), 'bin', 'temporal');
  return (await isExecutable(cached)) ? cached : undefined;
}

/** Finds the CLI or installs it into the cache; `progress` receives one line per step. */
export async function ensureTemporalCli(progress: (line: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const cli = await findOrBuildTemporalCli(progress, env);
  if (cli) return cli;
  throw new TemporalSetupError(
    'the temporal CLI is not installed and Go is not available to build it',
    `install the temporal CLI (${TEMPORAL_CLI_VERSION}) and set TEMPORAL_CLI_PATH, or install Go so Weft can build it`,
  );
}

/** The CLI's path, building it with Go when needed; undefined when there is neither a CLI nor Go. */
export async function findOrBuildTemporalCli(progress: (line: string) => void = () => {}, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const found = await findTemporalCli(env);
  if (found) return found;
  const go = await findOnPath('go', env);
  if (!go) return undefined;
  const binDir = join(cacheDir(env), 'bin');
  await mkdir(binDir, { recursive: true });
  progress(`installing the temporal CLI ${TEMPORAL_CLI_VERSION} with go install into ${binDir} (several minutes the first time)`);
  await run(go, ['install', GO_PACKAGE], { ...env, GOBIN: binDir, GOFLAGS: '-mod=mod' }, progress);
  const built = join(binDir, 'temporal');
  if (!(await isExecutable(built))) throw new TemporalSetupError(`go install finished but ${built} is missing`);
  progress(`temporal CLI installed at ${built}`);
  return built;
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const started = Date.now();
    const ticker = setInterval(() => progress(`still building the temporal CLI (${Math.round((Date.now() - started) / 1000)}s)`), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(new TemporalSetupError(`cannot run ${command}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else
        reject(
          new TemporalSetupError(
            `go install ${GO_PACKAGE} failed with code ${code}: ${tail.trim().split('\n').pop()}`,
            'check that the Go module proxy is reachable',
          ),
        );
    });
  });
}
