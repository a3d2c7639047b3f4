// The layer rule runs in CI (`npm run lint`); these tests prove it passes on the project and
// fails, naming the file and the rule, on each kind of violation.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHECKER = fileURLToPath(new URL('../../scripts/check-layers.mjs', import.meta.url));
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function check(root?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CHECKER, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A small tree with a clean file in every layer, plus the files given. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'weft-layers-'));
  dirs.push(root);
  const base: Record<string, string> = {
    'src/core/errors.ts': "import { z } from 'zod';\nexport const E = z.string();\n",
    'src/services/run-service.ts': "import { E } from '../core/errors.js';\nexport const R = E;\n",
    'activities/index.ts': "import { R } from '../src/services/run-service.js';\nexport const A = R;\n",
    'workflows/flow-run.ts':
      "import type { A } from '../activities/index.js';\nimport { E } from '../src/core/errors.js';\nexport type W = typeof A | typeof E;\n",
    'mcp/tools.ts': "import { R } from '../src/services/run-service.js';\nexport const T = R;\n",
    'src/app/worker.ts': "import '../../workflows/flow-run.js';\nimport '../../activities/index.js';\nimport '../../mcp/tools.js';\n",
  };
  for (const [path, text] of Object.entries({ ...base, ...files })) {
    await mkdir(join(root, dirname(path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe('the layer rule', () => {
  it('passes on the project itself', () => {
    const result = check();
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /every import points down/);
  });

  it('passes on a tree whose imports all point down', async () => {
    assert.equal(check(await tree({})).status, 0);
  });

  const violations: Array<[string, string, string, RegExp]> = [
    ['the core imports a service', 'src/core/spec.ts', "import { R } from '../services/run-service.js';\n", /core must not import services/],
    [
      'the core imports an I/O package',
      'src/core/read.ts',
      "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n",
      /core must not import node:fs/,
    ],
    [
      'a workflow imports an activity at run time',
      'workflows/bad.ts',
      "import { A } from '../activities/index.js';\nexport const x = A;\n",
      /workflows must not import activities except as types/,
    ],
    [
      'a workflow imports a service',
      'workflows/bad.ts',
      "import { R } from '../src/services/run-service.js';\nexport const x = R;\n",
      /workflows must not import services/,
    ],
    [
      'a service imports an adapter',
      'src/services/bad.ts',
      "import { T } from '../../mcp/tools.js';\nexport const x = T;\n",
      /services must not import adapters/,
    ],
    [
      'an adapter imports the application layer',
      'src/adapters/cli/bad.ts',
      "export const load = () => import('../../app/worker.js');\n",
      /adapters must not import app/,
    ],
    [
      'an activity imports a workflow',
      'activities/bad.ts',
      "import type { W } from '../workflows/flow-run.js';\nexport type X = W;\n",
      /activities must not import workflows/,
    ],
  ];
  for (const [name, path, text, rule] of violations) {
    it(`fails when ${name}`, async () => {
      const result = check(await tree({ [path]: text }));
      assert.equal(result.status, 1);
      assert.match(result.stderr, new RegExp(path.replaceAll('.', '\\.')));
      assert.match(result.stderr, rule);
    });
  }
});
