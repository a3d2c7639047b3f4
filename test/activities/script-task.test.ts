import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
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
    const [line] = await env.logs.read(view.runId);
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
