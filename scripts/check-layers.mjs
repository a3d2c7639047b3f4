#!/usr/bin/env node
// The layer rule (src/README.md): every import points down. Run by `npm run lint` and CI.
//
//   node scripts/check-layers.mjs [--root DIR] [--json]
//
// Plain JavaScript so it runs before anything is compiled. It reads import and export
// statements as text (static and dynamic `import()`), resolves relative specifiers to files and
// checks each against the layer of the importing file. Exit 1 lists every violation, one a line.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layers, lowest first. `may` lists the layers a file may import at run time; `typesFrom` the
 * layers it may import types from only (`import type`), which leave nothing in the compiled code.
 */
const LAYERS = [
  { name: 'core', roots: ['src/core/'], may: ['core'], packages: ['zod', 'yaml', 'ajv', '@marcbachmann/cel-js', '@temporalio/common'] },
  { name: 'workflows', roots: ['workflows/'], may: ['core', 'workflows'], typesFrom: ['activities'] },
  { name: 'services', roots: ['src/services/'], may: ['core', 'services'] },
  { name: 'activities', roots: ['activities/'], may: ['core', 'services', 'activities'] },
  { name: 'adapters', roots: ['src/adapters/', 'mcp/'], may: ['core', 'services', 'adapters'] },
  { name: 'app', roots: ['src/app/'], may: ['core', 'services', 'activities', 'workflows', 'adapters', 'app'] },
];

const WHY = {
  core: 'the core is pure: it imports only itself and the packages listed for it, so workflows/ can bundle it',
  workflows: 'workflows/ replays deterministically: it imports the core, and activities as types only',
  services: 'services stand on the core alone; the application layer (src/app/) wires them to adapters, activities and workflows',
  activities: 'activities use the core and services; only src/app/ wires them to workflows and adapters',
  adapters: 'adapters (CLI, MCP, HTTP) go through services; only src/app/ wires them to workers, activities and workflows',
};

function layerOf(file) {
  return LAYERS.find((layer) => layer.roots.some((root) => file.startsWith(root)));
}

const IMPORT = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[\s\S]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Import statements of one file: the specifier and whether only types are imported. */
export function importsOf(source) {
  const found = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const match of code.matchAll(IMPORT)) {
    found.push({ specifier: match[3] ?? match[4], typeOnly: Boolean(match[2]) });
  }
  return found;
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function sourceFiles(root, dir, out = []) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory()) sourceFiles(root, `${path}/`, out);
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every import that breaks the layer rule under `root`. */
export function layerViolations(root) {
  const violations = [];
  for (const layer of LAYERS) {
    for (const file of layer.roots.flatMap((dir) => sourceFiles(root, dir))) {
      for (const { specifier, typeOnly } of importsOf(readFileSync(join(root, file), 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = normalize(join(dirname(file), specifier))
            .split(sep)
            .join('/');
          const to = layerOf(target);
          if (!to) {
            violations.push({
              file,
              specifier,
              rule: `${file} imports ${target}, which is in no layer (src/core, src/services, src/adapters, mcp, src/app, activities, workflows)`,
            });
            continue;
          }
          if (layer.may.includes(to.name)) continue;
          if (typeOnly && layer.typesFrom?.includes(to.name)) continue;
          violations.push({
            file,
            specifier,
            rule: `${layer.name} must not import ${to.name}${layer.typesFrom?.includes(to.name) ? ' except as types (import type)' : ''}: ${WHY[layer.name]}`,
          });
        } else if (layer.packages && !typeOnly && !layer.packages.includes(packageName(specifier))) {
          violations.push({ file, specifier, rule: `core must not import ${packageName(specifier)}: ${WHY.core} (${layer.packages.join(', ')})` });
        }
      }
    }
  }
  return violations;
}

function main(argv) {
  const rootIndex = argv.indexOf('--root');
  const root = rootIndex >= 0 ? argv[rootIndex + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = layerViolations(root);
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ ok: violations.length === 0, violations }, null, 2)}\n`);
  } else if (violations.length === 0) {
    process.stdout.write('layers: every import points down\n');
  } else {
    for (const v of violations) process.stderr.write(`${relative('.', join(root, v.file))}: imports '${v.specifier}': ${v.rule}\n`);
    process.stderr.write(
      `layers: ${violations.length} import(s) point the wrong way; move the code to the layer that may see both sides (see src/README.md)\n`,
    );
  }
  process.exitCode = violations.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
