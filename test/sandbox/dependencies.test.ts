// Python dependency sets: built once into Weft's cache outside the sandbox (with the worker's
// network), reused by the next run, imported by a script that has no network and cannot change
// them; a set pip cannot install fails with ScriptDependencyError naming the package.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failureOf, type SandboxKit, sandboxKit } from './sandbox-kit.js';

describe('dependencies of a python script', () => {
  let kit: SandboxKit;
  before(async () => {
    kit = await sandboxKit();
  });
  after(async () => kit.close());

  const importSix = `import json, os, six, sys
try:
    open(os.path.join(os.path.dirname(six.__file__), 'planted.py'), 'w')
    writable = True
except OSError:
    writable = False
print('::weft-output::' + json.dumps({'six': six.__version__, 'venv': sys.prefix, 'writable': writable}))`;

  it('builds a dependency set once, reuses it on the next run, and keeps it read-only for the script', { timeout: 300_000 }, async () => {
    const first = kit.script(importSix, { language: 'python', dependencies: ['six==1.17.0'], timeoutMs: 240_000 });
    let started = Date.now();
    const built = await kit.run(first);
    const buildMs = Date.now() - started;
    started = Date.now();
    const second = kit.script(importSix, { language: 'python', dependencies: ['six==1.17.0'], timeoutMs: 240_000 });
    const reused = await kit.run(second);
    const reuseMs = Date.now() - started;
    process.stderr.write(`[sandbox] python dependency set: first run ${buildMs} ms (built), second run ${reuseMs} ms (reused)\n`);
    assert.equal(built.outputs.six, '1.17.0');
    assert.equal(built.outputs.writable, false, 'the environment is read-only inside the sandbox');
    assert.equal(reused.outputs.venv, built.outputs.venv, 'the second run used the same environment');
    assert.ok(String(built.outputs.venv).startsWith(kit.cacheDir), 'the environment lives in Weft cache');
    const firstLines = await kit.logLines(first.context.runId);
    assert.ok(firstLines.some((l) => l.startsWith('dependencies: building a Python environment for six==1.17.0')));
    assert.ok(firstLines.some((l) => /^dependencies: built in [\d.]+ s/.test(l)));
    const secondLines = await kit.logLines(second.context.runId);
    assert.ok(
      secondLines.some((l) => l.startsWith('dependencies: reused the Python environment for six==1.17.0')),
      secondLines.join('\n'),
    );
    assert.ok(reuseMs < buildMs, 'reuse is quicker than the build');
  });

  it('fails with ScriptDependencyError naming a package pip cannot install', { timeout: 300_000 }, async () => {
    const failure = await failureOf(
      kit.run(kit.script('print(1)', { language: 'python', dependencies: ['weft-no-such-package-h6==9.9.9'], timeoutMs: 240_000 })),
    );
    assert.equal(failure.type, 'ScriptDependencyError');
    assert.match(failure.message, /^dependencies: pip could not install weft-no-such-package-h6==9\.9\.9: /);
  });
});
