// Fixture-driven validation: every file in test/fixtures/flows/valid is valid; every file in
// invalid/ states the problems it must produce as `# expect: <path> | <message part>` lines.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseFlow } from '../../src/core/spec/parse-flow.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'flows');

async function fixtures(kind: 'valid' | 'invalid'): Promise<Array<[string, string]>> {
  const names = (await readdir(join(DIR, kind))).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (name) => [name, await readFile(join(DIR, kind, name), 'utf8')] as [string, string]));
}

function expectations(text: string): Array<{ path: string; message: string }> {
  return [...text.matchAll(/^# expect: (.*?) \| (.*)$/gm)].map((m) => ({ path: (m[1] ?? '').trim(), message: (m[2] ?? '').trim() }));
}

describe('flow validation fixtures', async () => {
  const valid = await fixtures('valid');
  const invalid = await fixtures('invalid');

  it('covers at least 20 kinds of bad flow', () => {
    assert.ok(invalid.length >= 20, `only ${invalid.length} invalid fixtures`);
  });

  for (const [name, text] of valid) {
    it(`accepts valid/${name}`, () => {
      const parsed = parseFlow(text);
      assert.ok(parsed.valid, JSON.stringify(!parsed.valid && parsed.problems, null, 2));
    });
  }

  for (const [name, text] of invalid) {
    it(`rejects invalid/${name} with the stated path and message`, () => {
      const expected = expectations(text);
      assert.ok(expected.length > 0, `${name} states no "# expect:" line`);
      const parsed = parseFlow(text);
      assert.equal(parsed.valid, false, `${name} was accepted`);
      if (parsed.valid) return;
      for (const want of expected) {
        const hit = parsed.problems.find((p) => p.path === want.path && `${p.message} ${p.hint ?? ''}`.includes(want.message));
        assert.ok(hit, `${name}: no problem at "${want.path}" containing "${want.message}"; got ${JSON.stringify(parsed.problems, null, 2)}`);
      }
    });
  }

  it('reports every problem at once, each at its line, with hints', () => {
    const parsed = parseFlow(
      'id: f\ntasks:\n  - { id: a, type: lgo, message: hi }\n  - { id: b, type: sleep, duration: forever }\n  - { id: c, type: log, message: "{{ outputs.aa }}" }\n',
    );
    assert.equal(parsed.valid, false);
    if (parsed.valid) return;
    assert.deepEqual(
      parsed.problems.map((p) => [p.path, p.line]),
      [
        ['tasks[0].type', 3],
        ['tasks[1].duration', 4],
        ['tasks[2].message', 5],
      ],
    );
    assert.match(parsed.problems[0]?.hint ?? '', /did you mean "log"\? valid task types: log, set, fail/);
    assert.match(parsed.problems[2]?.hint ?? '', /did you mean "outputs\.a"\?/);
  });

  it('rejects a document over the size bound before parsing it', () => {
    const parsed = parseFlow(`id: big\ntasks:\n  - { id: a, type: log, message: "${'x'.repeat(1024 * 1024)}" }\n`);
    assert.equal(parsed.valid, false);
    if (!parsed.valid) assert.match(parsed.problems[0]?.message ?? '', /the limit is 1048576/);
  });
});
