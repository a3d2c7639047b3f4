// The error types a flow author can meet are listed once (FLOW_ERROR_TYPES in src/core/errors.ts):
// the docs' table says exactly those, with the same meaning, and every type the code raises by
// name, or names as non-retryable by default, is one of them.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { FLOW_ERROR_TYPES } from '../../src/core/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Names raised in code that never reach a task run's `error.type` as such, and why. */
const INTERNAL_NAMES: Record<string, string> = {
  Error: 'the fallback for an error without a type',
  TaskFailure: "the interpreter's carrier of a task's error; the error inside it is what a flow sees",
  SandboxUnavailable: 'turned into ScriptSetupError before it leaves the activity',
  CostBudgetExceeded: 'turned into ExpressionTooCostly where the expression is evaluated',
  WeftApiError: "the API client's error, raised in the calling program, never inside a run",
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/** The rows of the table under "## Retries and failures" in docs/flows.md: type → meaning. */
async function documentedTypes(): Promise<Map<string, string>> {
  const text = await readFile(join(ROOT, 'docs', 'flows.md'), 'utf8');
  const section = text.slice(text.indexOf('## Retries and failures'));
  const end = section.indexOf('\n## ', 1);
  const rows = (end > 0 ? section.slice(0, end) : section).matchAll(/^\| `(\w+)` \| (.+) \|$/gm);
  return new Map([...rows].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('the one list of error types', () => {
  it('docs/flows.md lists exactly the error types of FLOW_ERROR_TYPES, each with its meaning', async () => {
    const documented = await documentedTypes();
    assert.deepEqual([...documented.keys()].sort(), Object.keys(FLOW_ERROR_TYPES).sort());
    for (const [type, meaning] of Object.entries(FLOW_ERROR_TYPES)) assert.equal(documented.get(type), meaning, `the docs' meaning of ${type}`);
  });

  it('every error type the code raises by name, or makes non-retryable by default, is in the list', async () => {
    const listed = new Set(Object.keys(FLOW_ERROR_TYPES));
    const unlisted: string[] = [];
    let seen = 0;
    for (const file of [...(await sourceFiles('workflows')), ...(await sourceFiles('activities')), ...(await sourceFiles('src'))]) {
      const text = await readFile(file, 'utf8');
      const names = [
        ...[...text.matchAll(/\btype: '([A-Z]\w+)'/g)].map((m) => m[1]),
        ...[...text.matchAll(/\bname = '([A-Z]\w+)'/g)].map((m) => m[1]),
        ...[...text.matchAll(/flowErrorType\('(\w+)'\)/g)].map((m) => m[1]),
        ...[...text.matchAll(/nonRetryable: \[([^\]]*)\]/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/'(\w+)'/g)].map((n) => n[1])),
      ];
      for (const name of names) {
        if (!name || INTERNAL_NAMES[name]) continue;
        seen++;
        if (!listed.has(name)) unlisted.push(`${relative(ROOT, file)}: ${name}`);
      }
    }
    assert.ok(seen >= 15, `the scan found only ${seen} raised error types: has the code moved?`);
    assert.deepEqual(unlisted, []);
  });
});
