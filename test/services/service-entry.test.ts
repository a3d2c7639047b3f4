// Every adapter reaches runs and flow checks through the services: none imports the Temporal run
// client (where a run's workflow is started) or the core's parser and validator, so idempotency
// keys, memo, search attributes and checks are the same whichever door a run comes in by.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
/** The adapters and the application entry points, and the bench, which measures what users run. */
const ADAPTER_DIRS = ['src/adapters', 'mcp', 'src/app', 'bench'];
/** Modules only the services may import, and what to use instead. */
const SERVICE_ONLY: Array<{ module: RegExp; instead: string }> = [
  { module: /\/services\/runs\/run-client\.js'/, instead: 'RunService (start, waitForClose, get, respondToApproval)' },
  { module: /\/core\/spec\/parse-flow\.js'/, instead: 'checkFlow or validFlow of src/services/flow-service.ts' },
  { module: /\/core\/spec\/validate-flow\.js'/, instead: 'checkFlow or validFlow of src/services/flow-service.ts' },
];

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

describe('adapters go through the service layer', () => {
  it('no adapter, entry point or bench workload imports the run client or the flow parser and validator', async () => {
    const found: string[] = [];
    let files = 0;
    for (const dir of ADAPTER_DIRS) {
      for (const file of await tsFiles(dir)) {
        files++;
        const imports = (await readFile(file, 'utf8')).split('\n').filter((line) => /\bfrom '[^']+';?\s*$/.test(line));
        for (const line of imports) {
          const rule = SERVICE_ONLY.find((r) => r.module.test(line));
          if (rule) found.push(`${relative(ROOT, file)}: ${line.trim()} (use ${rule.instead})`);
        }
      }
    }
    assert.ok(files > 40, `only ${files} adapter files were read: have the folders moved?`);
    assert.deepEqual(found, []);
  });
});
