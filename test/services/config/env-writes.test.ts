// Configuration is read once (loadConfig) and passed; no module hands a value to another by
// writing process.env. This scans Weft's own code for writes to it and fails naming each place.
// The bench and the tests may set their own environment; a child process gets its environment
// built explicitly (`{ ...process.env }` copied, then changed), which is not a write.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCANNED = ['src', 'mcp', 'activities', 'workflows'];

/** Assignments (`=`, `??=`, `||=`, `&&=`, `+=`) to process.env or a key of it, deletes, and Object.assign into it. */
const WRITES = [
  /\bprocess\.env(?:\s*\.\s*[A-Za-z_$][\w$]*|\s*\[[^\]]+\])?\s*(?:\?\?=|\|\|=|&&=|\+=|=(?![=>]))/,
  /\bdelete\s+process\.env\b/,
  /\bObject\.(?:assign|defineProperty)\(\s*process\.env\b/,
];

/** `file:line: text` of every write to process.env in `text`. */
function envWrites(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (WRITES.some((pattern) => pattern.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) files.push(path);
  }
  return files;
}

describe('configuration is passed, never written to process.env', () => {
  it('finds no write to process.env in src/, mcp/, activities/ or workflows/', async () => {
    const found: string[] = [];
    for (const dir of SCANNED) {
      for (const file of await sourceFiles(join(ROOT, dir))) found.push(...envWrites(relative(ROOT, file), await readFile(file, 'utf8')));
    }
    assert.deepEqual(found, [], `process.env is written; pass the configuration (src/services/config/weft-config.ts) instead:\n${found.join('\n')}`);
  });

  it('recognises every form of write, and not reads, comparisons or copies', () => {
    const writes = [
      "process.env.TEMPORAL_ADDRESS = 'x';",
      'process.env.WEFT_TASK_QUEUE ??= record.taskQueue;',
      "process.env['WEFT_UI_URL'] ||= url;",
      'process.env[name] = value;',
      'delete process.env.TEMPORAL_ADDRESS;',
      'Object.assign(process.env, { A: "1" });',
      'process.env = {};',
    ];
    for (const line of writes) assert.equal(envWrites('f.ts', line).length, 1, line);
    const reads = [
      'const a = process.env.TEMPORAL_ADDRESS;',
      "if (process.env.WEFT_TASK_QUEUE === 'x') {}",
      'const env = { ...process.env };',
      'delete env.TEMPORAL_ADDRESS;',
      'loadConfig(process.env, flags);',
      'const f = (env = process.env) => env;',
    ];
    for (const line of reads) assert.deepEqual(envWrites('f.ts', line), [], line);
  });
});
