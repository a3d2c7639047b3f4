// Node dependency sets: npm installs them once into Weft's cache outside the sandbox (with the
// worker's network, install scripts off), the build's lines reach the run's logs, the next run
// reuses the set, and the script imports it (ESM and require) but cannot change it; a package npm
// cannot install fails the task with ScriptDependencyError naming it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failureOf, type SandboxKit, sandboxKit } from './sandbox-kit.js';

describe('dependencies of a node script', () => {
  let kit: SandboxKit;
  before(async () => {
    kit = await sandboxKit();
  });
  after(async () => kit.close());

  const importIsNumber = `import isNumber from 'is-number';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
const required = createRequire(import.meta.url)('is-number');
const path = createRequire(import.meta.url).resolve('is-number');
let writable = true;
try { writeFileSync(path, 'module.exports = () => true;'); } catch { writable = false; }
console.log('::weft-output::' + JSON.stringify({ five: isNumber(5), word: isNumber('five'), required: required === isNumber, path, writable }));`;

  it('builds a set once with its progress logged, reuses it on the next run, and keeps it read-only', { timeout: 300_000 }, async () => {
    const first = kit.script(importIsNumber, { language: 'node', dependencies: ['is-number@7.0.0'], timeoutMs: 240_000 });
    let started = Date.now();
    const built = await kit.run(first);
    const buildMs = Date.now() - started;
    started = Date.now();
    const second = kit.script(importIsNumber, { language: 'node', dependencies: ['is-number@7.0.0'], timeoutMs: 240_000 });
    const reused = await kit.run(second);
    const reuseMs = Date.now() - started;
    process.stderr.write(`[sandbox] node dependency set: first run ${buildMs} ms (built), second run ${reuseMs} ms (reused)\n`);
    assert.deepEqual(
      { five: built.outputs.five, word: built.outputs.word, required: built.outputs.required, writable: built.outputs.writable },
      { five: true, word: false, required: true, writable: false },
    );
    assert.equal(reused.outputs.five, true);
    const firstLines = await kit.logLines(first.context.runId);
    assert.ok(firstLines.includes('dependencies: building a Node dependency set for is-number@7.0.0'), firstLines.join('\n'));
    assert.ok(
      firstLines.some((l) => /^dependencies: npm http fetch GET 200 \S+is-number/.test(l)),
      'npm reports each request as progress',
    );
    assert.ok(firstLines.some((l) => /^dependencies: built in [\d.]+ s, reused by later runs$/.test(l)));
    const secondLines = await kit.logLines(second.context.runId);
    assert.ok(
      secondLines.some((l) => l.startsWith('dependencies: reused the Node dependency set for is-number@7.0.0')),
      secondLines.join('\n'),
    );
    assert.ok(!secondLines.some((l) => l.startsWith('dependencies: building')), 'the second run builds nothing');
    assert.ok(reuseMs * 2 < buildMs, `reuse (${reuseMs} ms) is much quicker than the build (${buildMs} ms)`);
  });

  it('runs the same set as a plain process, linked beside the script', { timeout: 300_000 }, async () => {
    const plain = await sandboxKit({ WEFT_SCRIPT_RUNNER: 'process' });
    try {
      const done = await plain.run(plain.script(importIsNumber, { language: 'node', dependencies: ['is-number@7.0.0'], timeoutMs: 240_000 }));
      assert.equal(done.outputs.five, true);
      assert.ok(String(done.outputs.path).startsWith(plain.cacheDir), 'the package is read from the set in Weft cache');
    } finally {
      await plain.close();
    }
  });

  it('fails with ScriptDependencyError naming a package npm cannot install', { timeout: 300_000 }, async () => {
    const failure = await failureOf(
      kit.run(kit.script('console.log(1)', { language: 'node', dependencies: ['is-number@7.0.0', 'weft-no-such-package-h6@9.9.9'], timeoutMs: 240_000 })),
    );
    assert.equal(failure.type, 'ScriptDependencyError');
    assert.match(failure.message, /^dependencies: npm could not install weft-no-such-package-h6@9\.9\.9: /);
  });
});
