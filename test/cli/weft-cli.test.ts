import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

let dataDir = '';

function weft(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: dataDir } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

describe('weft CLI', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
    dataDir = env.dataDir;
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
    const result = await weft(['run', 'start', file, '--input', 'n=21', '--input', 'loud=true', '--task-queue', env.taskQueue, '--wait', '--json']);
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
    const result = await weft(['run', 'start', file, '--input', 'n=abc', '--task-queue', env.taskQueue]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^error: run inputs is invalid: inputs\.n must be an integer \(got "abc"\)/);
    const json = await weft(['run', 'start', file, '--task-queue', env.taskQueue, '--json']);
    assert.equal(json.code, 1);
    assert.match(JSON.parse(json.stdout).error.message, /inputs\.n is required/);
  });

  it('exits non-zero for a failed run and prints the failing task', async () => {
    const file = join(env.dataDir, 'fails.yaml');
    await writeFile(file, 'id: fails\ntasks:\n  - { id: stop, type: fail, message: "on purpose" }\n');
    const result = await weft(['run', 'start', file, '--task-queue', env.taskQueue, '--wait']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /FAILED .*\n {2}FAILED {4}stop\n {2}failed at stop: FlowFailed: on purpose/);
  });

  it('saves a directory of flows as revisions, lists, shows, exports and deletes them', async () => {
    const dir = join(env.dataDir, 'flows');
    await mkdir(dir);
    await writeFile(join(dir, 'a.yaml'), 'id: alpha\nnamespace: cli\ndescription: first\ntasks:\n  - { id: t, type: log, message: "from {{ run.flow }}" }\n');
    await writeFile(join(dir, 'b.yaml'), 'id: beta\nnamespace: cli\ntasks:\n  - { id: t, type: set, values: { x: 1 } }\n');
    const saved = JSON.parse((await weft(['flow', 'save', dir, '--json'])).stdout) as { saved: Array<{ flow: string; revision: number; created: boolean }> };
    assert.deepEqual(
      saved.saved.map((s) => [s.flow, s.revision, s.created]),
      [
        ['cli/alpha', 1, true],
        ['cli/beta', 1, true],
      ],
    );
    const again = JSON.parse((await weft(['flow', 'save', dir, '--json'])).stdout) as { saved: Array<{ created: boolean }> };
    assert.ok(again.saved.every((s) => !s.created));
    const list = JSON.parse((await weft(['flow', 'list', '--namespace', 'cli', '--json'])).stdout) as { flows: Array<{ flow: string }> };
    assert.deepEqual(
      list.flows.map((f) => f.flow),
      ['cli/alpha', 'cli/beta'],
    );
    const shown = JSON.parse((await weft(['flow', 'show', 'cli/alpha', '--json'])).stdout) as { revision: number; yaml: string };
    assert.equal(shown.revision, 1);
    assert.equal((await weft(['flow', 'export', 'cli/alpha'])).stdout, await readFile(join(dir, 'a.yaml'), 'utf8'));
    await writeFile(join(dir, 'b.yaml'), 'id: gamma\nnamespace: cli\ntasks:\n  - { id: t, type: set, values: { x: 2 } }\n');
    const pruned = JSON.parse((await weft(['flow', 'save', dir, '--prune', '--json'])).stdout) as { deleted: string[] };
    assert.deepEqual(pruned.deleted, ['cli/beta']);
    assert.equal((await weft(['flow', 'show', 'cli/beta'])).code, 1);
  });

  it('starts a saved flow idempotently, then gets, lists and reads the logs of its run', async () => {
    const first = JSON.parse((await weft(['run', 'start', 'cli/alpha', '--idempotency-key', 'k1', '--task-queue', env.taskQueue, '--json'])).stdout) as {
      runId: string;
      started: boolean;
    };
    assert.equal(first.started, true);
    const again = JSON.parse((await weft(['run', 'start', 'cli/alpha', '--idempotency-key', 'k1', '--task-queue', env.taskQueue, '--json'])).stdout) as {
      runId: string;
      started: boolean;
    };
    assert.deepEqual(again, { runId: first.runId, started: false });
    const done = JSON.parse((await weft(['run', 'get', first.runId, '--watch', '--json'])).stdout) as { state: string; flow: string; revision: number };
    assert.deepEqual([done.state, done.flow, done.revision], ['COMPLETED', 'cli/alpha', 1]);
    const listed = await waitFor('the run in the listing', async () => {
      const page = JSON.parse((await weft(['run', 'list', '--flow', 'cli/alpha', '--json'])).stdout) as { runs: Array<{ runId: string; state: string }> };
      return page.runs.find((r) => r.runId === first.runId && r.state === 'COMPLETED');
    });
    assert.equal(listed.runId, first.runId);
    const logs = await weft(['run', 'logs', first.runId]);
    assert.match(logs.stdout, /INFO {2}t: from cli\/alpha/);
  });

  it('refuses a rejection of an approval already approved: says by whom, exits non-zero, and --json gives the decision', async () => {
    const file = join(env.dataDir, 'gated.yaml');
    await writeFile(file, 'id: gated\nnamespace: cli\ntasks:\n  - { id: gate, type: approval, message: "go?", onReject: continue }\n');
    assert.equal((await weft(['flow', 'save', file])).code, 0);
    const started = await weft(['run', 'start', 'cli/gated', '--task-queue', env.taskQueue, '--json']);
    assert.equal(started.code, 0, started.stderr);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const approved = await waitFor('the approval to take the answer', async () => {
      const answer = await weft(['run', 'approve', runId, 'gate', '--by', 'ann', '--json']);
      return answer.code === 0 ? (JSON.parse(answer.stdout) as { approved: boolean; by: string; respondedAt: string }) : undefined;
    });
    assert.deepEqual([approved.approved, approved.by], [true, 'ann']);

    const rejected = await weft(['run', 'approve', runId, 'gate', '--reject', '--by', 'bob']);
    assert.equal(rejected.code, 1);
    assert.equal(rejected.stdout, '');
    const lines = rejected.stderr.trim().split('\n');
    assert.equal(lines.length, 1, rejected.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^error: approval gate of run ${runId} was already approved by ann at ${approved.respondedAt} \\(hint: .+\\)$`));

    const asJson = await weft(['run', 'approve', runId, 'gate', '--reject', '--by', 'bob', '--json']);
    assert.equal(asJson.code, 1);
    const refusal = JSON.parse(asJson.stdout) as {
      accepted: boolean;
      code: string;
      decision: unknown;
      error: { code: string; message: string; hint?: string };
    };
    assert.equal(refusal.accepted, false);
    assert.equal(refusal.code, 'APPROVAL_ALREADY_DECIDED');
    assert.deepEqual(refusal.decision, { approved: true, by: 'ann', respondedAt: approved.respondedAt });
    assert.equal(refusal.error.code, 'APPROVAL_ALREADY_DECIDED');
    assert.ok(refusal.error.hint);

    const done = JSON.parse((await weft(['run', 'get', runId, '--watch', '--json'])).stdout) as { state: string; tasks: Array<{ id: string; state: string }> };
    assert.equal(done.state, 'COMPLETED');
    const ended = await weft(['run', 'approve', runId, 'gate2', '--json']);
    assert.equal(ended.code, 1);
    const endedError = (JSON.parse(ended.stdout) as { error: { code: string; message: string; hint?: string } }).error;
    assert.deepEqual(
      [endedError.code, endedError.message],
      ['RUN_ALREADY_ENDED', `run ${runId} already ended COMPLETED: approval gate2 can no longer be answered`],
    );
    assert.ok(endedError.hint);
    const events = await weft(['run', 'logs', runId]);
    assert.match(events.stdout, /approved by ann/);
    assert.doesNotMatch(events.stdout, /rejected by bob/);
  });

  it("shows a failed run's completed task output, and prints a task's output with --task a page at a time", async () => {
    const file = join(env.dataDir, 'breaks.yaml');
    await writeFile(
      file,
      'id: breaks\nnamespace: cli\ninputs: [{ id: blob, type: string }]\ntasks:\n  - { id: keep, type: set, values: { blob: "{{ inputs.blob }}" } }\n  - { id: stop, type: fail, message: "on purpose" }\n',
    );
    assert.equal((await weft(['flow', 'save', file])).code, 0);
    const blob = 'x'.repeat(45_000);
    const inputs = join(env.dataDir, 'breaks-inputs.json');
    await writeFile(inputs, JSON.stringify({ blob }));
    const failed = await weft(['run', 'start', 'cli/breaks', '--inputs-file', inputs, '--task-queue', env.taskQueue, '--wait']);
    assert.equal(failed.code, 1, failed.stderr);
    const runId = /FAILED (\S+)/.exec(failed.stdout)?.[1] ?? '';
    assert.match(failed.stdout, new RegExp(`\\n {2}output of keep: \\{"blob":"x+… \\(in full: weft run get ${runId} --task keep\\)\\n`));

    let text = '';
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await weft(['run', 'get', runId, '--task', 'keep', ...(cursor ? ['--cursor', cursor] : [])]);
      assert.equal(page.code, 0, page.stderr);
      const [body = '', footer = ''] = page.stdout.trimEnd().split('\n');
      const start = Buffer.byteLength(text);
      text += body;
      assert.match(footer, new RegExp(`^\\(bytes ${start}-${Buffer.byteLength(text)} of ${JSON.stringify({ blob }).length}`));
      cursor = /--cursor (\S+)\)$/.exec(footer)?.[1];
      if (cursor) assert.ok(footer.includes(`next page: weft run get ${runId} --task keep --cursor ${cursor}`), footer);
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(JSON.parse(text), { blob });

    const asJson = JSON.parse((await weft(['run', 'get', runId, '--task', 'keep', '--json'])).stdout) as {
      found: boolean;
      totalBytes: number;
      nextCursor?: string;
    };
    assert.deepEqual([asJson.found, asJson.totalBytes, typeof asJson.nextCursor], [true, JSON.stringify({ blob }).length, 'string']);
    const none = await weft(['run', 'get', runId, '--task', 'stop']);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^stop of .+: no output/);
  });

  it('sets secrets from standard input and lists names, never values', async () => {
    const set = await weft(['secret', 'set', 'CLI_TOKEN', '--json'], 'tok-1234567890\n');
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { name: 'CLI_TOKEN', namespace: '*', created: true });
    const scoped = await weft(['secret', 'set', 'CLI_TOKEN', '--namespace', 'team-a', '--json'], 'tok-team-a-123\n');
    assert.deepEqual(JSON.parse(scoped.stdout), { name: 'CLI_TOKEN', namespace: 'team-a', created: true });
    const list = await weft(['secret', 'list', '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { secrets: Array<{ name: string; namespace: string }> }).secrets.map((s) => [s.name, s.namespace]),
      [
        ['CLI_TOKEN', '*'],
        ['CLI_TOKEN', 'team-a'],
      ],
    );
    assert.match((await weft(['secret', 'list'])).stdout, /CLI_TOKEN {2}namespace team-a/);
    assert.ok(!list.stdout.includes('tok-1234567890') && !list.stdout.includes('tok-team-a-123'));
    assert.equal((await weft(['secret', 'delete', 'CLI_TOKEN', '--namespace', 'team-a'])).code, 0);
    assert.equal((await weft(['secret', 'delete', 'CLI_TOKEN'])).code, 0);
    const empty = await weft(['secret', 'set', 'EMPTY']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no value for secret EMPTY on standard input/);
  });
});
