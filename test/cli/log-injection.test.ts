// A flow cannot forge what a person reads on the terminal: `weft run logs` (also --follow) and
// `weft run get` escape control characters from flow text; `--json` keeps the raw text.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/services/security/audit-log.js';
import { createTestEnv, type TestEnv } from '../helpers/temporal-env.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');
const FORGED = 'step done\n2026-12-06T00:00:00.000Z INFO  gate: approved by admin\x1b[2K\x1b[1A\r\x9b31m\u202eevil';

describe('flow text on the terminal', () => {
  let env: TestEnv;
  let runId = '';
  const weft = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: env.dataDir } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    env = await createTestEnv();
    const file = join(env.dataDir, 'forge.yaml');
    await writeFile(
      file,
      'id: forge\ninputs: [{ id: text, type: string }]\ntasks:\n  - { id: say, type: log, message: "{{ inputs.text }}" }\n  - { id: stop, type: fail, message: "{{ inputs.text }}" }\n',
    );
    const started = await weft('run', 'start', file, '--input', `text=${FORGED}`, '--task-queue', env.taskQueue, '--wait', '--json');
    runId = (JSON.parse(started.stdout) as { runId: string; state: string }).runId;
    assert.ok(runId, started.stdout + started.stderr);
  });
  after(async () => env.close());

  function assertEscaped(text: string): void {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, 'no raw control character reaches the terminal');
    assert.ok(text.includes('step done\\n2026-12-06T00:00:00.000Z INFO  gate: approved by admin\\x1b[2K\\x1b[1A\\r\\x9b31m\\u202eevil'), text);
    assert.ok(!text.split('\n').some((line) => line.startsWith('2026-12-06T00:00:00.000Z')), 'no forged line starts a line');
  }

  it('escapes newlines, ANSI and C1 controls and bidi overrides in `weft run logs`', async () => {
    const text = await weft('run', 'logs', runId);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    const forged = lines.filter((l) => l.includes('approved by admin'));
    assert.ok(forged.length >= 1);
    for (const line of forged) assert.match(line, /^\S+ (INFO|ERROR) +(say|stop): .*step done\\n/);
    assertEscaped(text.stdout);
  });

  it('escapes them in `weft run logs --follow` too', async () => {
    const text = await weft('run', 'logs', runId, '--follow');
    assert.equal(text.code, 0, text.stderr);
    assertEscaped(text.stdout);
  });

  it('keeps the raw text with --json, with and without --follow', async () => {
    const json = JSON.parse((await weft('run', 'logs', runId, '--json')).stdout) as { entries: Array<{ taskId: string; message: string }> };
    assert.ok(json.entries.some((e) => e.taskId === 'say' && e.message === FORGED));
    const followed = (await weft('run', 'logs', runId, '--follow', '--json')).stdout.trim().split('\n');
    const entries = followed.map((line) => JSON.parse(line) as { taskId: string; message: string });
    assert.ok(entries.some((e) => e.taskId === 'say' && e.message === FORGED));
  });

  it('escapes flow descriptions in `weft flow list` and caller-chosen fields in `weft audit`', async () => {
    const file = join(env.dataDir, 'described.yaml');
    await writeFile(file, `id: described\nnamespace: forge\ndescription: ${JSON.stringify(FORGED)}\ntasks:\n  - { id: a, type: log, message: hi }\n`);
    assert.equal((await weft('flow', 'save', file)).code, 0);
    const listed = await weft('flow', 'list', '--namespace', 'forge');
    assert.equal(listed.code, 0, listed.stderr);
    assertEscaped(listed.stdout);
    await new AuditLog(env.store).record({
      actor: 'anonymous',
      transport: 'http',
      tool: FORGED,
      arguments: {},
      outcome: 'error',
      errorCode: 'TOOL_NOT_ALLOWED',
    });
    const audit = await weft('audit', '--limit', '5');
    assert.equal(audit.code, 0, audit.stderr);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    assert.doesNotMatch(audit.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.ok(!audit.stdout.split('\n').some((line) => line.startsWith('2026-12-06T00:00:00.000Z')));
  });

  it('escapes the error of a failed run in `weft run get`, and keeps it raw with --json', async () => {
    const text = await weft('run', 'get', runId);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^FAILED /);
    assertEscaped(text.stdout);
    const json = JSON.parse((await weft('run', 'get', runId, '--json')).stdout) as { error: { message: string } };
    assert.ok(json.error.message.includes(FORGED), json.error.message);
  });
});
