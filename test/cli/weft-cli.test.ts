import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

function weft(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('weft CLI', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(async () => env.close());

  it('validates a flow file and prints { valid, errors } with --json, exiting 1 when invalid', async () => {
    const file = join(env.dataDir, 'bad.yaml');
    await writeFile(file, 'id: bad\ntasks:\n  - id: a\n    type: htp\n');
    const result = await weft(['flow', 'validate', file, '--json']);
    assert.equal(result.code, 1);
    const body = JSON.parse(result.stdout) as { valid: boolean; errors: Array<{ path: string; message: string; hint?: string; line?: number }> };
    assert.equal(body.valid, false);
    assert.equal(body.errors[0]?.path, 'tasks[0].type');
    assert.match(body.errors[0]?.hint ?? '', /did you mean "http"/);
    assert.equal(body.errors[0]?.line, 4);
    const text = await weft(['flow', 'validate', file]);
    assert.match(text.stdout, /bad\.yaml:4: tasks\[0\]\.type "htp" is not a task type/);
    const good = await weft(['flow', 'validate', join(import.meta.dirname, '..', '..', 'examples', 'hello.yaml'), '--json']);
    assert.equal(good.code, 0);
    assert.deepEqual(JSON.parse(good.stdout), { valid: true, errors: [] });
  });

  it('runs a flow file with typed --input values and prints the finished run as JSON', async () => {
    const file = join(env.dataDir, 'calc.yaml');
    await writeFile(
      file,
      'id: calc\ninputs:\n  - { id: n, type: integer }\n  - { id: loud, type: boolean }\ntasks:\n  - { id: c, type: set, values: { v: "{{ inputs.loud ? inputs.n * 2 : inputs.n }}" } }\noutputs: { v: "{{ outputs.c.v }}" }\n',
    );
    const result = await weft(['run', file, '--input', 'n=21', '--input', 'loud=true', '--task-queue', env.taskQueue, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const view = JSON.parse(result.stdout) as { state: string; outputs: unknown; tasks: Array<{ id: string; state: string; attempts: number }> };
    assert.equal(view.state, 'COMPLETED');
    assert.deepEqual(view.outputs, { v: 42 });
    assert.deepEqual(
      view.tasks.map((t) => [t.id, t.state, t.attempts]),
      [['c', 'COMPLETED', 1]],
    );
  });

  it('rejects a mistyped or missing input with a one-line error and a non-zero exit', async () => {
    const file = join(env.dataDir, 'typed.yaml');
    await writeFile(file, 'id: typed\ninputs:\n  - { id: n, type: integer }\ntasks:\n  - { id: c, type: set, values: { v: "{{ inputs.n }}" } }\n');
    const result = await weft(['run', file, '--input', 'n=abc', '--task-queue', env.taskQueue]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^error: run inputs is invalid: inputs\.n must be an integer \(got "abc"\)/);
    const json = await weft(['run', file, '--task-queue', env.taskQueue, '--json']);
    assert.equal(json.code, 1);
    assert.match(JSON.parse(json.stdout).error.message, /inputs\.n is required/);
  });

  it('exits non-zero for a failed run and prints the failing task', async () => {
    const file = join(env.dataDir, 'fails.yaml');
    await writeFile(file, 'id: fails\ntasks:\n  - { id: stop, type: fail, message: "on purpose" }\n');
    const result = await weft(['run', file, '--task-queue', env.taskQueue]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAILED .*\n {2}failed at stop: FlowFailed: on purpose/);
  });
});
