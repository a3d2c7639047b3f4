// Runs a Weft worker in its own process, so tests can kill it like a crash would.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../src/app/worker/main.ts', import.meta.url));
const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `workerArgs`: run `weft worker` with these options (e.g. `--queue gpu`) instead of the worker entry itself. */
export function spawnWorker(env: Record<string, string>, workerArgs?: string[]): WorkerProcess {
  const args = workerArgs ? [WEFT_BIN, 'worker', ...workerArgs] : ['--import', 'tsx', ENTRY];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
