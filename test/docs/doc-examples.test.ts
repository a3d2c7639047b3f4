// Every flow shown in the docs and every example file is valid, so the docs cannot drift from
// the validator.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import exampleModule from '../../examples/code-flows/weft-module.js';
import { parseFlow } from '../../src/core/spec/parse-flow.js';
import { registerModule } from '../../src/services/code-flows/load-modules.js';

// The code-flows guide shows a YAML flow using the example module's custom task type.
registerModule(exampleModule);

const ROOT = join(import.meta.dirname, '..', '..');

async function yamlBlocks(file: string): Promise<string[]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('documentation examples', async () => {
  const docs = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const file of docs) {
    for (const [i, block] of (await yamlBlocks(file)).entries()) {
      if (!/^id:/m.test(block)) continue;
      it(`${file} flow #${i + 1} is valid`, () => {
        const parsed = parseFlow(block);
        assert.ok(parsed.valid, JSON.stringify(!parsed.valid && parsed.problems));
      });
    }
  }
  const exampleFiles = [
    ...(await readdir(join(ROOT, 'examples'))).filter((f) => f.endsWith('.yaml')),
    ...(await readdir(join(ROOT, 'examples', 'code-flows'))).filter((f) => f.endsWith('-flow.yaml')).map((f) => `code-flows/${f}`),
  ];
  for (const file of exampleFiles) {
    it(`examples/${file} is valid`, async () => {
      const parsed = parseFlow(await readFile(join(ROOT, 'examples', file), 'utf8'));
      assert.ok(parsed.valid, JSON.stringify(!parsed.valid && parsed.problems));
    });
  }

  it('docs/flows.md states the id rules the validator applies: "-" in flow ids, not in task ids', async () => {
    const guide = await readFile(join(ROOT, 'docs', 'flows.md'), 'utf8');
    assert.match(guide, /task and input ids: letters, digits and "_", no "-"/);
    assert.match(guide, /id: daily-report +# lowercase letters, digits, "_" and "-"/);
    assert.ok(parseFlow('id: daily-report\ntasks:\n  - { id: fetch_data, type: log, message: hi }\n').valid);
    const dashed = parseFlow('id: daily-report\ntasks:\n  - { id: fetch-data, type: log, message: hi }\n');
    assert.ok(!dashed.valid && dashed.problems.some((p) => p.path === 'tasks[0].id'), JSON.stringify(!dashed.valid && dashed.problems));
  });
});
