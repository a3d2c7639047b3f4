// What the sandbox tests share: a runner hiding a real data directory, cache and store file,
// a script runner over real processes, and looks at /proc for what a script left behind.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { executeScript, type ScriptRun } from '../../activities/run-script.js';
import { type ScriptRunnerOptions, scriptRunnerFromEnv } from '../../activities/script-sandbox.js';
import type { ScriptInput, ScriptOutput } from '../../src/core/runs/activity-io.js';
import { LogService } from '../../src/services/log-service.js';
import { StoreLogSink } from '../../src/services/logs/store-log-sink.js';
import { Redactor } from '../../src/services/secrets/redactor.js';
import { openStore, type Store } from '../../src/services/store/database.js';

export const work = () => mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'sandbox-'));

export interface SandboxKit {
  dataDir: string;
  cacheDir: string;
  logStore: Store;
  runner: ScriptRunnerOptions;
  script(body: string, more?: Partial<ScriptInput>): ScriptInput;
  run(input: ScriptInput, options?: Partial<ScriptRun>): Promise<ScriptOutput>;
  logLines(runId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A kit whose runner is read from `env` (over this process's) the way a worker reads it. */
export async function sandboxKit(env: Record<string, string> = {}): Promise<SandboxKit> {
  const dataDir = await work();
  const cacheDir = await work();
  const logStore = await openStore({ dataDir: await work() });
  const runner = scriptRunnerFromEnv({ ...process.env, WEFT_CACHE_DIR: cacheDir, ...env }, { dataDir, storeFile: logStore.location });
  const kit: SandboxKit = {
    dataDir,
    cacheDir,
    logStore,
    runner,
    script: (body, more = {}) => ({
      context: { runId: `sandbox-${randomUUID()}`, taskId: 't', attempt: 1, flow: 'test/sandbox' },
      language: 'bash',
      script: body,
      env: {},
      timeoutMs: 30_000,
      ...more,
    }),
    run: (input, options = {}) => executeScript(input, { redactor: new Redactor([]), logs: new StoreLogSink(logStore), runner: kit.runner, ...options }),
    logLines: async (runId) => {
      const logs = new LogService(logStore);
      const lines: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await logs.query({ runId, limit: 1000, ...(cursor ? { cursor } : {}) });
        lines.push(...page.entries.map((e) => e.message));
        cursor = page.entries.length ? page.nextCursor : undefined;
      } while (cursor);
      return lines;
    },
    close: () => logStore.close(),
  };
  return kit;
}

/** The task error a script attempt failed with; fails the test when it succeeded. */
export async function failureOf(attempt: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof ApplicationFailure) return error;
    throw error;
  }
  assert.fail('the script task succeeded');
}

/** Host processes whose command line holds `token` (zombies have none, so they do not count). */
export async function processesWith(token: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(token)) found.push(Number(name));
  }
  return found;
}

/** The processes still holding `token` after waiting up to `withinMs` for them to go. */
export async function left(token: string, withinMs = 2000): Promise<number[]> {
  const until = Date.now() + withinMs;
  let found = await processesWith(token);
  while (found.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    found = await processesWith(token);
  }
  return found;
}
