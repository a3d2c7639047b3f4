// A `weft` command run as its own process for a benchmark, as a user would run it.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { projectPath } from '../src/services/config/paths.js';

export interface WeftProcess {
  child: ChildProcess;
  output(): string;
  /** Sends `signal` (default SIGTERM), then SIGKILL after 30 s; resolves once the process exits. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const BIN = projectPath('bin', 'weft.js');

/** Runs `weft <args>` with `env` over `base` (default this process's environment). */
export function spawnWeft(args: string[], env: Record<string, string>, base: NodeJS.ProcessEnv = process.env): Promise<WeftProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return Promise.resolve({
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  });
}
spawnWeft.bin = BIN;

/** Waits for `weft mcp --http` to say where it listens; returns the MCP URL. */
export async function waitForHttp(server: WeftProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /Streamable HTTP at (http:\/\/\S+)/.exec(server.output());
    if (match?.[1]) return match[1];
    if (server.child.exitCode !== null) throw new Error(`weft mcp --http exited: ${server.output()}`);
    await delay(50);
  }
  throw new Error('weft mcp --http did not start in time');
}
