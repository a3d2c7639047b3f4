// Builds Temporal's Go programs into Weft's cache directory with `go install`, and finds
// executables: shared by the CLI (the dev server) and the real server of the cluster test lane.

import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TemporalSetupError } from '../../core/errors.js';

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on the environment's PATH. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

export interface GoCommand {
  go: string;
  env: NodeJS.ProcessEnv;
  /** What is being built, for the progress lines ("the temporal CLI"). */
  what: string;
  progress: (line: string) => void;
}

/** `go install` of `packages` (all of one module version) into `binDir`, a progress line every 30 s. */
export function goInstall(command: GoCommand, packages: readonly string[], binDir: string): Promise<string> {
  return runGo(command, ['install', ...packages], { GOBIN: binDir, GOFLAGS: '-mod=mod' });
}

/** Runs `go <args>`; resolves with its stdout, rejects with the last line of its stderr. */
export function runGo(command: GoCommand, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  const { go, env, what, progress } = command;
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    const started = Date.now();
    const ticker = setInterval(() => progress(`still building ${what} (${Math.round((Date.now() - started) / 1000)}s)`), 30_000);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(new TemporalSetupError(`cannot run ${go}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve(out);
      else
        reject(
          new TemporalSetupError(
            `go ${args.join(' ')} failed with code ${code}: ${tail.trim().split('\n').pop()}`,
            'check that the Go module proxy is reachable',
          ),
        );
    });
  });
}
