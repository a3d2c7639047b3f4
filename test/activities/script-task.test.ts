import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { startRun } from '../../src/services/runs/run-client.js';
import { assertCompleted, createTestEnv, flowFrom, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnWorker } from '../helpers/worker-process.js';

describe('script task in a real subprocess', () => {
  let env: TestEnv;
  let shared: string;
  before(async () => {
    // A sandboxed script writes only its private work dir and a workingDir under these.
    shared = await mkdtemp(join(process.env.WEFT_TEST_WORK_DIR ?? tmpdir(), 'shared-'));
    // A script run by a root worker runs as nobody: the directory it may write is writable for it.
    await chmod(shared, 0o777);
    env = await createTestEnv({ workerEnv: { WEFT_SCRIPT_WORKING_DIRS: shared } });
  });
  after(async () => env.close());

  it('fails twice then succeeds under retry, counting attempts', async () => {
    // In a workingDir the operator allows: each attempt's private work dir starts empty.
    const counter = join(shared, 'attempts.txt');
    const view = await runFlow(
      env,
      `
id: script-retry
tasks:
  - id: flaky
    type: script
    language: bash
    env: { COUNTER: "${counter}" }
    workingDir: "${shared}"
    retry: { maxAttempts: 4, initialInterval: 100ms }
    script: |
      n=$(( $(cat "$COUNTER" 2>/dev/null || echo 0) + 1 ))
      echo "$n" > "$COUNTER"
      if [ "$n" -lt 3 ]; then echo "attempt $n fails" >&2; exit 7; fi
      echo "::weft-output::{\\"attempt\\": $n}"
outputs: { attempt: "{{ outputs.flaky.outputs.attempt }}" }
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { attempt: 3 });
    assert.equal(taskOf(view, 'flaky').attempts, 3);
    assert.equal((await readFile(counter, 'utf8')).trim(), '3');
  });

  it('fails the run with ScriptExitError when retries run out', async () => {
    const view = await runFlow(
      env,
      `
id: script-fails
tasks:
  - id: broken
    type: script
    language: bash
    retry: { maxAttempts: 2, initialInterval: 100ms }
    script: |
      echo "something is wrong" >&2
      exit 3
`,
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ScriptExitError');
    assert.match(view.error?.message ?? '', /code 3: something is wrong/);
    assert.equal(taskOf(view, 'broken').attempts, 2);
  });

  it('runs python and node, merging ::weft-output:: lines and the $WEFT_OUTPUT file', async () => {
    const view = await runFlow(
      env,
      `
id: script-langs
tasks:
  - id: py
    type: script
    language: python
    env: { N: "{{ 6 * 7 }}" }
    script: |
      import json, os
      print("::weft-output::" + json.dumps({"n": int(os.environ["N"])}))
      with open(os.environ["WEFT_OUTPUT"], "w") as f:
          json.dump({"fromFile": True}, f)
  - id: js
    type: script
    language: node
    script: |
      console.log('hello from node');
      console.log('::weft-output::' + JSON.stringify({ sum: 1 + 2 }));
outputs:
  n: "{{ outputs.py.outputs.n }}"
  fromFile: "{{ outputs.py.outputs.fromFile }}"
  sum: "{{ outputs.js.outputs.sum }}"
  tail: "{{ outputs.js.stdoutTail }}"
`,
    );
    assertCompleted(view);
    assert.equal(view.outputs?.n, 42);
    assert.equal(view.outputs?.fromFile, true);
    assert.equal(view.outputs?.sum, 3);
    assert.match(String(view.outputs?.tail), /hello from node/);
    const lines = (await env.logs.read(view.runId)).map((l) => `${l.taskId}: ${l.message}`);
    assert.ok(lines.includes('js: hello from node'), lines.join('\n'));
  });

  it('gives a script only its env, PATH, HOME, LANG and run metadata', async () => {
    process.env.WEFT_INTERNAL_CANARY = 'must-not-leak';
    const view = await runFlow(
      env,
      `
id: script-env
tasks:
  - id: envdump
    type: script
    language: bash
    env: { MINE: "yes" }
    script: |
      env | cut -d= -f1 | sort | tr '\\n' ' '
`,
    );
    delete process.env.WEFT_INTERNAL_CANARY;
    assertCompleted(view);
    const line = (await env.logs.read(view.runId)).find((l) => l.message.includes('WEFT_RUN_ID'));
    const names = (line?.message ?? '').trim().split(/\s+/);
    for (const name of ['MINE', 'PATH', 'HOME', 'LANG', 'WEFT_RUN_ID', 'WEFT_TASK_ID', 'WEFT_OUTPUT'])
      assert.ok(names.includes(name), `${name} missing from ${names}`);
    for (const name of names) {
      assert.ok(!name.startsWith('TEMPORAL_') && name !== 'WEFT_INTERNAL_CANARY' && name !== 'WEFT_WORKFLOW_BUNDLE', `${name} leaked into the script`);
    }
  });

  it("hides the worker's data directory from a flow's script and kills what the script left running", async () => {
    const token = `weft-left-${Date.now()}`;
    const view = await runFlow(
      env,
      `
id: script-sandboxed
tasks:
  - id: probe
    type: script
    language: bash
    env: { DATA: "${env.dataDir}" }
    script: |
      setsid bash -c 'exec -a ${token} sleep 300' &
      if head -c 1 "$DATA/weft.db" >/dev/null 2>&1; then db=readable; else db=hidden; fi
      echo "::weft-output::{\\"db\\": \\"$db\\", \\"entries\\": $(ls -A "$DATA" | wc -l)}"
outputs: { db: "{{ outputs.probe.outputs.db }}", entries: "{{ outputs.probe.outputs.entries }}" }
`,
    );
    assertCompleted(view);
    assert.deepEqual(view.outputs, { db: 'hidden', entries: 0 });
    assert.ok((await readdir(env.dataDir)).includes('weft.db'), 'the store is there, only hidden');
    const left: string[] = [];
    for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n)))
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(token)) left.push(pid);
    assert.deepEqual(left, [], 'the setsid child died with the task');
  });

  it('fails a task whose workingDir does not exist with ScriptSetupError naming it, without retrying', async () => {
    const view = await runFlow(
      env,
      'id: script-nowhere\ntasks:\n  - { id: s, type: script, language: bash, workingDir: /nonexistent/weft-dir, retry: { maxAttempts: 3 }, script: "echo hi" }\n',
    );
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ScriptSetupError');
    assert.match(view.error?.message ?? '', /workingDir \/nonexistent\/weft-dir does not exist/);
    assert.doesNotMatch(view.error?.message ?? '', /ENOENT/);
    assert.equal(taskOf(view, 's').attempts, 1);
  });

  it('kills a script that outlives its timeout and reports ScriptTimeoutError', async () => {
    const started = Date.now();
    const view = await runFlow(env, `id: script-timeout\ntasks:\n  - { id: slow, type: script, language: bash, timeout: 1s, script: "sleep 30" }\n`);
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ScriptTimeoutError');
    assert.ok(Date.now() - started < 15_000);
  });
});

describe('unsandboxed scripts on request', () => {
  it('runs scripts as plain processes under WEFT_SCRIPT_RUNNER=process, and the worker says so at start', { timeout: 60_000 }, async () => {
    const env = await createTestEnv({ startWorker: false });
    const worker = spawnWorker({ WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir, WEFT_SCRIPT_RUNNER: 'process' });
    try {
      await waitFor('the worker to poll', async () => (worker.output().includes('worker polling task queue') ? true : undefined), 30_000);
      const announced = worker
        .output()
        .split('\n')
        .filter((line) => line.includes('script tasks run unsandboxed'));
      assert.equal(announced.length, 1, worker.output());
      assert.match(announced[0] ?? '', /WEFT_SCRIPT_RUNNER=process/);
      const view = await runFlow(
        env,
        `id: plain\ntasks:\n  - { id: s, type: script, language: bash, env: { DATA: "${env.dataDir}" }, script: 'echo "::weft-output::{\\"db\\": $(ls "$DATA" | grep -cx weft.db)}"' }\noutputs: { db: "{{ outputs.s.outputs.db }}" }\n`,
      );
      assertCompleted(view);
      assert.equal(view.outputs?.db, 1, 'a plain process sees the data directory');
    } finally {
      await worker.kill('SIGTERM');
      await env.close();
    }
  });
});

describe('scripts die with their worker', () => {
  it('kills a running script and its setsid child when the worker process is killed', { timeout: 60_000 }, async () => {
    const env = await createTestEnv({ startWorker: false });
    const token = `weft-crash-${Date.now()}`;
    const worker = spawnWorker({ WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir });
    const running = async () => {
      const found: string[] = [];
      for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n)))
        if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(token)) found.push(pid);
      return found;
    };
    try {
      const flow = flowFrom(
        `id: doomed\ntasks:\n  - { id: s, type: script, language: bash, script: "setsid bash -c 'exec -a ${token}-sid sleep 300' & exec -a ${token}-main sleep 300" }\n`,
      );
      const { runId } = await startRun(env.client, { flow, taskQueue: env.taskQueue });
      await waitFor('the script and its child to run', async () => ((await running()).length === 2 ? true : undefined), 30_000);
      await worker.kill('SIGKILL');
      await waitFor('the script and its child to die with the worker', async () => ((await running()).length === 0 ? true : undefined), 5_000);
      await env.client.workflow.getHandle(runId).terminate('test over');
    } finally {
      await worker.kill('SIGKILL');
      await env.close();
    }
  });
});

describe('a 600 MB output line on a real worker', () => {
  it('completes with the line cut and marked, and the worker process stays small and up', { timeout: 120_000 }, async () => {
    const env = await createTestEnv({ startWorker: false });
    const worker = spawnWorker({ WEFT_TASK_QUEUE: env.taskQueue, WEFT_DATA_DIR: env.dataDir });
    // Peak resident memory of the worker process so far, in MiB.
    const peakMiB = async () => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${worker.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    try {
      const warm = await runFlow(env, 'id: warm\ntasks:\n  - { id: s, type: script, language: python, script: "print(1)" }\n');
      assertCompleted(warm);
      const before = await peakMiB();
      const script = 'import sys\nchunk = b"z" * (1 << 20)\nfor _ in range(600):\n    sys.stdout.buffer.write(chunk)\nprint()\nprint("done")\n';
      const view = await runFlow(env, JSON.stringify({ id: 'huge-line', tasks: [{ id: 's', type: 'script', language: 'python', script }] }));
      assertCompleted(view);
      const after = await peakMiB();
      process.stderr.write(`[script] worker peak RSS ${Math.round(before)} MiB before, ${Math.round(after)} MiB after a 600 MB line\n`);
      assert.ok(after - before < 150, `the worker's peak memory grew by ${Math.round(after - before)} MiB`);
      const messages = (await env.logs.read(view.runId)).filter((l) => l.taskId === 's').map((l) => l.message);
      const cut = messages.find((m) => m.startsWith('zzz'));
      assert.match(cut?.slice(-40) ?? '', /z … \[line cut: 629145600 bytes\]$/);
      assert.ok(messages.includes('done'));
      const again = await runFlow(env, 'id: after\ntasks:\n  - { id: s, type: script, language: bash, script: "echo still-up" }\n');
      assertCompleted(again);
    } finally {
      await worker.kill('SIGKILL');
      await env.close();
    }
  });
});

describe('script output volume', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('stores 10 MB of script output as searchable log lines without slowing the run much', { timeout: 300_000 }, async () => {
    // 10,000 lines of 1,000 characters (the per-attempt log cap, see src/logs/log-caps.ts), once to
    // the logs and once to /dev/null, in one run each.
    const flow = (id: string, target: string) =>
      JSON.stringify({
        id,
        tasks: [
          {
            id: 'emit',
            type: 'script',
            language: 'python',
            script: `import os, sys\nout = ${target}\nfor i in range(10000):\n    out.write('line %06d %s\\n' % (i, 'x' * 987))\nout.flush()\n`,
          },
        ],
      });
    const timed = async (text: string) => {
      const started = performance.now();
      const view = await runFlow(env, text);
      assertCompleted(view);
      return { view, ms: performance.now() - started };
    };
    const quiet = await timed(flow('quiet', "open(os.devnull, 'w')"));
    const loud = await timed(flow('loud', 'sys.stdout'));
    const store = new LogService(env.store);
    // The task's `completed` event follows its last line; its `started` event lands wherever the
    // first second of the task ended, so it is left out.
    const tail = (await store.query({ runId: loud.view.runId, tail: 3 })).entries.filter((e) => e.message !== 'started').slice(-2);
    assert.match(tail[0]?.message ?? '', /^line 009999 x{987}$/);
    assert.match(tail[1]?.message ?? '', /^completed in \d+ ms$/);
    const all = await env.store.db
      .selectFrom('logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', loud.view.runId)
      .where('line_id', 'not like', '%|event|%')
      .executeTakeFirstOrThrow();
    assert.equal(Number(all.n), 10_000);
    const found = await store.query({ runId: loud.view.runId, contains: 'line 005432' });
    assert.equal(found.entries[0]?.message.slice(0, 11), 'line 005432');
    process.stderr.write(`[logs] 10 MB script: ${Math.round(loud.ms)} ms with logs, ${Math.round(quiet.ms)} ms without\n`);
    assert.ok(loud.ms < quiet.ms * 4 + 10_000, `storing the logs made the run take ${Math.round(loud.ms)} ms against ${Math.round(quiet.ms)} ms`);
  });
});
