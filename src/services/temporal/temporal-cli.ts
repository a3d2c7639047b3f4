// Finds the `temporal` CLI, or installs it: TEMPORAL_CLI_PATH, then PATH, then Weft's cache
// directory; else `go install` of the pinned version into that cache (one build serves every
// data directory).

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TemporalSetupError } from '../../core/errors.js';
import { cacheDir } from '../config/paths.js';
import { findOnPath, goInstall, isExecutable } from './go-install.js';

/** The CLI version Weft installs; the newest tag that `go install` can build. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** The CLI's path if one is already available, without installing anything. */
export async function findTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return env.TEMPORAL_CLI_PATH;
    throw new TemporalSetupError(
      `TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`,
      'point it at a temporal binary, or unset it to let Weft find or install one',
    );
  }
  const onPath = await findOnPath('temporal', env);
  if (onPath) return onPath;
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
  await goInstall({ go, env, what: 'the temporal CLI', progress }, [GO_PACKAGE], binDir);
  const built = join(binDir, 'temporal');
  if (!(await isExecutable(built))) throw new TemporalSetupError(`go install finished but ${built} is missing`);
  progress(`temporal CLI installed at ${built}`);
  return built;
}
