import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogService } from '../../src/services/log-service.js';
import { assertCompleted, createTestEnv, runFlow, type TestEnv, taskOf } from '../helpers/temporal-env.js';

describe('script task in a real subprocess', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('fails twice then succeeds under retry, counting attempts', async () => {
    const counter = join(env.dataDir, 'attempts.txt');
    const view = await runFlow(
      env,
      `
id: script-retry
tasks:
  - id: flaky
    type: script
    language: bash
    env: { COUNTER: "${counter}" }
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

  it('kills a script that outlives its timeout and reports ScriptTimeoutError', async () => {
    const started = Date.now();
    const view = await runFlow(env, `id: script-timeout\ntasks:\n  - { id: slow, type: script, language: bash, timeout: 1s, script: "sleep 30" }\n`);
    assert.equal(view.state, 'FAILED');
    assert.equal(view.error?.type, 'ScriptTimeoutError');
    assert.ok(Date.now() - started < 15_000);
  });
});

describe('script output volume', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('stores 10 MB of script output as searchable log lines without slowing the run much', { timeout: 300_000 }, async () => {
    // 100,000 lines of 100 characters, once to the logs and once to /dev/null, in one run each.
    const flow = (id: string, target: string) =>
      JSON.stringify({
        id,
        tasks: [
          {
            id: 'emit',
            type: 'script',
            language: 'python',
            script: `import os, sys\nout = ${target}\nfor i in range(100000):\n    out.write('line %06d %s\\n' % (i, 'x' * 88))\nout.flush()\n`,
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
    // The task's `completed` event follows its last line.
    const tail = await store.query({ runId: loud.view.runId, tail: 2 });
    assert.match(tail.entries[0]?.message ?? '', /^line 099999 x{88}$/);
    assert.match(tail.entries[1]?.message ?? '', /^completed in \d+ ms$/);
    const all = await env.store.db
      .selectFrom('logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', loud.view.runId)
      .where('line_id', 'not like', '%|event|%')
      .executeTakeFirstOrThrow();
    assert.equal(Number(all.n), 100_000);
    const found = await store.query({ runId: loud.view.runId, contains: 'line 054321' });
    assert.equal(found.entries[0]?.message.slice(0, 11), 'line 054321');
    process.stderr.write(`[logs] 10 MB script: ${Math.round(loud.ms)} ms with logs, ${Math.round(quiet.ms)} ms without\n`);
    assert.ok(loud.ms < quiet.ms * 4 + 10_000, `storing the logs made the run take ${Math.round(loud.ms)} ms against ${Math.round(quiet.ms)} ms`);
  });
});
