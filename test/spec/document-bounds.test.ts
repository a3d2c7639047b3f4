// Hostile flow text gets a clear validation problem instead of a crash or a silent change: a
// YAML bomb, nesting 10,000 levels deep, invalid UTF-8, lone surrogates and U+FFFD. Through the
// validation entry points, the `weft` CLI and the MCP server over stdio.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveInputs } from '../../src/core/runs/run-inputs.js';
import { decodeUtf8 } from '../../src/core/spec/document-bounds.js';
import { MAX_NESTING_DEPTH } from '../../src/core/spec/nesting-depth.js';
import { type LocatedProblem, parseFlow } from '../../src/core/spec/parse-flow.js';
import { validateFlow } from '../../src/core/spec/validate-flow.js';
import { connectStdio, type StdioSession, structured } from '../helpers/mcp-clients.js';
import { createTestEnv, flowFrom, type TestEnv } from '../helpers/temporal-env.js';

const TASKS = 'tasks:\n  - { id: a, type: log, message: hi }\n';
const BOMB = `id: bomb
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
${TASKS}`;
const DEEP_YAML = `id: deep\n${TASKS}vars:\n  x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
const DEEP_JSON = `{"id":"deep","tasks":[{"id":"a","type":"log","message":"hi"}],"vars":{"x":${'{"k":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`;

function problemsOf(text: string): LocatedProblem[] {
  const parsed = parseFlow(text);
  assert.equal(parsed.valid, false, 'the document was accepted');
  return parsed.valid ? [] : parsed.problems;
}

function deepValue(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('hostile flow documents', () => {
  it('refuses a YAML bomb (aliases of aliases) as a validation problem that names the attack', () => {
    const [problem, ...rest] = problemsOf(BOMB);
    assert.equal(rest.length, 0);
    assert.match(problem?.message ?? '', /aliases \(\*name\) expand to more than 100 nodes.*resource exhaustion/);
    assert.match(problem?.hint ?? '', /write the repeated values out/);
  });

  it('keeps ordinary anchors and aliases working', () => {
    const flow = flowFrom(`id: anchors\nvars: { base: &base { a: 1 }, copy: *base }\n${TASKS}`);
    assert.deepEqual(flow.vars, { base: { a: 1 }, copy: { a: 1 } });
  });

  for (const [name, text] of [
    ['YAML flow collections', DEEP_YAML],
    ['JSON objects', DEEP_JSON],
  ] as const) {
    it(`refuses ${name} nested 10,000 levels deep with the path and the limit, not a stack overflow`, () => {
      const [problem] = problemsOf(text);
      assert.match(problem?.message ?? '', new RegExp(`^vars\\.x(\\[0\\]|\\.k)+.* is nested deeper than ${MAX_NESTING_DEPTH} levels of maps and lists$`));
      assert.match(problem?.path ?? '', /^vars\.x(\[0\]|\.k){10}/);
      assert.equal(problem?.line, name === 'JSON objects' ? 1 : 5);
      assert.ok(!JSON.stringify(problem).includes('call stack'));
    });
  }

  it(`accepts nesting up to ${MAX_NESTING_DEPTH} levels`, () => {
    const levels = MAX_NESTING_DEPTH - 3; // the root map, vars and vars.x take three
    const text = `id: ok\n${TASKS}vars:\n  x: ${'['.repeat(levels)}1${']'.repeat(levels)}\n`;
    assert.equal(parseFlow(text).valid, true);
    assert.equal(parseFlow(text.replace('x: [', 'x: [[[[')).valid, false);
  });

  it('bounds nesting where a parsed document or run inputs arrive as values', () => {
    const checked = validateFlow({ id: 'deep', tasks: [{ id: 'a', type: 'log', message: 'hi' }], vars: { x: deepValue(10_000) } });
    assert.equal(checked.valid, false);
    assert.match(checked.valid ? '' : (checked.problems[0]?.message ?? ''), /vars\.x\[0\].* is nested deeper than 128 levels/);
    const flow = flowFrom(`id: in\ninputs: [{ id: data, type: array }]\n${TASKS}`);
    const inputs = resolveInputs(flow, { data: deepValue(10_000) });
    assert.equal(inputs.valid, false);
    assert.match(inputs.valid ? '' : (inputs.problems[0]?.message ?? ''), /^inputs\.data\[0\].* is nested deeper than 128 levels/);
  });

  it('refuses a lone surrogate, naming line and column', () => {
    const [problem] = problemsOf(`id: s\n${TASKS}description: "bad \ud800 here"\n`);
    assert.match(problem?.message ?? '', /not well-formed Unicode: a lone surrogate U\+D800 at line 4, column 19/);
    assert.equal(problem?.line, 4);
  });

  it('refuses U+FFFD left by bytes that were not UTF-8, and accepts it written as an escape', () => {
    const [problem] = problemsOf(`id: s\n${TASKS}description: "caf\ufffd"\n`);
    assert.match(problem?.message ?? '', /holds U\+FFFD at line 4, column 18 .*not valid UTF-8/);
    const escaped = parseFlow(`id: s\n${TASKS}description: "caf\\uFFFD and 😀"\n`);
    assert.equal(escaped.valid, true);
    assert.equal(escaped.valid && escaped.flow.description, 'caf\ufffd and 😀');
  });

  it('decodes strict UTF-8, naming the byte offset and line of the first bad byte', () => {
    const good = new TextEncoder().encode('id: x # café 😀\n');
    assert.deepEqual(decodeUtf8(good), { text: 'id: x # café 😀\n' });
    for (const [bad, offset] of [
      [[0xff], 8],
      [[0xc3, 0x28], 8], // a lead byte without its continuation
      [[0xc0, 0xaf], 8], // an overlong "/"
      [[0xed, 0xa0, 0x80], 8], // an encoded surrogate
      [[0xe2, 0x82], 8], // truncated at the end
    ] as const) {
      const bytes = new Uint8Array([...new TextEncoder().encode('a: b\nc: '), ...bad]);
      const decoded = decodeUtf8(bytes, 'f.yaml');
      assert.ok('problem' in decoded, `${bad} was accepted`);
      assert.match(
        decoded.problem.message,
        new RegExp(`^f\\.yaml is not valid UTF-8: byte 0x${bad[0].toString(16).toUpperCase()} at byte offset ${offset} \\(line 2\\)`),
      );
      assert.equal(decoded.problem.line, 2);
    }
  });
});

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'weft.js');

function weft(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, WEFT_DATA_DIR: dataDir } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('hostile flow documents through the CLI and MCP', () => {
  let env: TestEnv;
  let session: StdioSession;
  before(async () => {
    env = await createTestEnv({ startWorker: false });
    session = await connectStdio(env);
  });
  after(async () => {
    await session.close();
    await env.close();
  });

  it('weft flow validate and save refuse a file with invalid UTF-8 bytes, naming the byte offset and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-utf8-'));
    const file = join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.concat([Buffer.from(`id: latin\n${TASKS}description: "caf`), Buffer.from([0xe9]), Buffer.from('"\n')]));
    for (const command of ['validate', 'save']) {
      const result = await weft(['flow', command, file], env.dataDir);
      assert.notEqual(result.code, 0, `flow ${command} accepted it`);
      assert.match(result.stderr, /latin1\.yaml is invalid: the file is not valid UTF-8: byte 0xE9 at byte offset 72 \(line 4\)/);
      assert.match(result.stderr, /save the file as UTF-8/);
    }
    const listed = await weft(['flow', 'list', '--json'], env.dataDir);
    assert.ok(!listed.stdout.includes('latin'), 'the flow was saved');
  });

  it('weft flow validate reports a YAML bomb and deep nesting as problems with exit 1, not INTERNAL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-bomb-'));
    await writeFile(join(dir, 'bomb.yaml'), BOMB);
    await writeFile(join(dir, 'deep.json'), DEEP_JSON);
    const bomb = await weft(['flow', 'validate', join(dir, 'bomb.yaml'), '--json'], env.dataDir);
    assert.equal(bomb.code, 1, bomb.stderr);
    assert.match(JSON.parse(bomb.stdout).errors[0].message, /aliases \(\*name\) expand to more than 100 nodes/);
    const deep = await weft(['flow', 'validate', join(dir, 'deep.json')], env.dataDir);
    assert.equal(deep.code, 1, deep.stderr);
    assert.match(deep.stdout, /deep\.json:1: vars\.x\.k\.k.* is nested deeper than 128 levels/);
    assert.ok(!`${bomb.stdout}${bomb.stderr}${deep.stdout}${deep.stderr}`.match(/INTERNAL|retry|call stack/i));
  });

  it('validate_flow and save_flow over MCP refuse a bomb, deep nesting and U+FFFD with clear problems', async () => {
    for (const [text, pattern] of [
      [BOMB, /aliases \(\*name\) expand/],
      [DEEP_YAML, /nested deeper than 128 levels/],
      [`id: s\n${TASKS}description: "caf\ufffd"\n`, /U\+FFFD at line 4/],
      [`id: s\n${TASKS}description: "caf\ud800"\n`, /lone surrogate U\+D800/],
    ] as const) {
      const checked = structured<{ valid: boolean; errors: Array<{ message: string }> }>(
        await session.client.callTool({ name: 'validate_flow', arguments: { flow: text } }),
      );
      assert.equal(checked.valid, false);
      assert.match(checked.errors[0]?.message ?? '', pattern);
      const saved = (await session.client.callTool({ name: 'save_flow', arguments: { flow: text } })) as {
        isError?: boolean;
        content: Array<{ text?: string }>;
      };
      assert.equal(saved.isError, true);
      const body = saved.content.map((c) => c.text ?? '').join('');
      assert.match(body, pattern);
      assert.doesNotMatch(body, /INTERNAL|call stack/);
    }
  });
});
