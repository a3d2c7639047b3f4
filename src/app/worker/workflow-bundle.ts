// The interpreter's workflow code, bundled once. A prebuilt bundle (WEFT_WORKFLOW_BUNDLE or
// the cache) is reused when present, so a worker starts without running webpack.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BundleOptions, bundleWorkflowCode } from '@temporalio/worker';
import { projectPath } from '../../services/config/paths.js';
import { loadConfig, type WeftConfig } from '../../services/config/weft-config.js';

const ROOT = projectPath();
export const WORKFLOWS_ENTRY = join(ROOT, 'workflows', 'index.ts');
/** Folders whose sources end up in the bundle; their content keys the cache. */
const BUNDLED_DIRS = [
  'workflows',
  'src/core',
  'src/app/worker/workflow-bundle.ts',
  'src/app/worker/workflow-telemetry.ts',
  'src/app/worker/workflow-spans.ts',
  'src/services/telemetry/span-attributes.ts',
];

/**
 * The workflow interceptors of the telemetry bundle (run, task and activity spans). Only a worker
 * with telemetry loads this bundle: without it, the sandbox creates no span at all.
 */
const TELEMETRY_INTERCEPTOR_MODULES = [join(ROOT, 'src', 'app', 'worker', 'workflow-telemetry.ts')];

export interface WorkflowBundle {
  code: string;
}

const inProcess = new Map<boolean, Promise<WorkflowBundle>>();

/** Where a prebuilt bundle is: a file (WEFT_WORKFLOW_BUNDLE), else the cache directory. */
export interface BundleSource {
  file?: string | undefined;
  cacheDir: string;
}

/**
 * The bundle: from the configured file, else the cache keyed by source content, else built now.
 * `telemetry` asks for the bundle with the tracing interceptors, which only the cache holds (the
 * configured file is the plain bundle).
 */
export function loadWorkflowBundle(source: BundleSource = bundleSource(loadConfig(process.env)), telemetry = false): Promise<WorkflowBundle> {
  let bundle = inProcess.get(telemetry);
  if (!bundle) {
    bundle = telemetry ? loadCached(source.cacheDir, 'workflows-telemetry', TELEMETRY_BUNDLE_OPTIONS) : load(source);
    inProcess.set(telemetry, bundle);
  }
  return bundle;
}

/** The bundle source of a configuration. */
export function bundleSource(config: WeftConfig): BundleSource {
  return { file: config.workflowBundle, cacheDir: config.cacheDir };
}

async function load(source: BundleSource): Promise<WorkflowBundle> {
  if (source.file) return { code: await readFile(source.file, 'utf8') };
  return loadCached(source.cacheDir, 'workflows', WEFT_BUNDLE_OPTIONS);
}

async function loadCached(cacheDir: string, name: string, options: typeof WEFT_BUNDLE_OPTIONS): Promise<WorkflowBundle> {
  const file = join(cacheDir, 'bundles', `${name}-${await sourceHash()}.js`);
  try {
    return { code: await readFile(file, 'utf8') };
  } catch {
    const bundle = await bundleWorkflowCode(options);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bundle.code);
    return bundle;
  }
}

/** Builds the bundle and writes it to `file` (used by the test runner and `npm run build`). */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflowCode(WEFT_BUNDLE_OPTIONS);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bundle.code);
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const pkg = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8').catch(() => '{}')) as { packages?: Record<string, { version?: string }> };
  hash.update(
    JSON.stringify(
      Object.entries(pkg.packages ?? {}).filter(([name]) => name.includes('@temporalio/') || name.includes('@opentelemetry/') || name.includes('cel-js')),
    ),
  );
  for (const entry of BUNDLED_DIRS) {
    for (const file of await listFiles(join(ROOT, entry))) hash.update(file).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

async function listFiles(path: string): Promise<string[]> {
  if ((await stat(path)).isFile()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/**
 * Modules loaded once into the reusable V8 context and shared by every workflow, instead of being
 * evaluated again for each new workflow: cel-js, and the pure modules of src/ that the workflows
 * import (no I/O, no \@temporalio/workflow, no state that changes a result). Sharing them also
 * shares the CEL environment and the compiled-expression cache of evaluate.ts, which each new
 * workflow otherwise built again (measured in bench/README.md, "Costs found").
 */
export const PRELOADED_MODULES = [
  '@marcbachmann/cel-js',
  ...[
    'src/core/errors.ts',
    'src/core/expressions/evaluate.ts',
    'src/core/expressions/cel-values.ts',
    'src/core/logs/task-event-line.ts',
    'src/core/runs/run-inputs.ts',
    'src/core/runs/run-types.ts',
    'src/core/spec/approval-fields.ts',
    'src/core/spec/duration.ts',
    'src/core/spec/limits.ts',
    'src/core/task-types/run-defaults.ts',
  ].map((file) => join(ROOT, file)),
];

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

/** What the TypeScript of a workflow bundle compiles to: the syntax of every Node Weft runs on. */
const BUNDLE_SYNTAX_TARGET = 'es2022';

/**
 * The SDK compiles workflow TypeScript for ES2017, which turns every object spread, `?.` and `??`
 * and every class field into helper calls (`_object_spread`, `_define_property`); the
 * interpreter spreads objects on every task, and those helpers showed in its profile. ES2022 keeps
 * them native; async functions were native already, so nothing runs in another order (the
 * recorded histories replay unchanged). The bench compiles its raw baseline the same way.
 */
export function modernWorkflowSyntax(config: WebpackConfiguration): WebpackConfiguration {
  for (const rule of config.module?.rules ?? []) {
    const use = rule && typeof rule === 'object' ? rule.use : undefined;
    if (use && typeof use === 'object' && !Array.isArray(use) && String(use.loader).includes('swc-loader')) {
      const options = use.options as { jsc?: { target?: string } } | undefined;
      if (options?.jsc) options.jsc.target = BUNDLE_SYNTAX_TARGET;
    }
  }
  return config;
}

type WebpackConfiguration = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/** Preloaded into Weft's own bundle only: a bundle with code flows keeps stack traces for the user's code. */
const WEFT_BUNDLE_ONLY_PRELOADS = [join(ROOT, 'workflows', 'promise-stacks-off.ts')];

const BUNDLE_OPTIONS = { logger: quietLogger, webpackConfigHook: modernWorkflowSyntax };
const WEFT_BUNDLE_OPTIONS: BundleOptions = {
  ...BUNDLE_OPTIONS,
  workflowsPath: WORKFLOWS_ENTRY,
  preloadModules: [...PRELOADED_MODULES, ...WEFT_BUNDLE_ONLY_PRELOADS],
};
const TELEMETRY_BUNDLE_OPTIONS: BundleOptions = { ...WEFT_BUNDLE_OPTIONS, workflowInterceptorModules: TELEMETRY_INTERCEPTOR_MODULES };

/**
 * Weft's workflows plus the code flows of Weft modules, bundled together (a worker registers one
 * bundle). Built at worker start, since module sources are the user's and change freely; with
 * `telemetry`, with the tracing interceptors, so code flows have run, step and handler spans too.
 */
export async function bundleWithCodeFlows(workflowsPaths: readonly string[], telemetry = false): Promise<WorkflowBundle> {
  // The entry must resolve Weft's dependencies, so it lives beside them, not in the user cache.
  const dir = join(ROOT, 'node_modules', '.cache', 'weft-bundles');
  await mkdir(dir, { recursive: true });
  const entry = join(dir, `entry-${createHash('sha256').update(workflowsPaths.join('\n')).digest('hex').slice(0, 12)}.ts`);
  const lines = [WORKFLOWS_ENTRY, ...workflowsPaths].map((path) => `export * from ${JSON.stringify(path)};`);
  await writeFile(entry, `${lines.join('\n')}\n`);
  return bundleWorkflowCode({
    ...BUNDLE_OPTIONS,
    workflowsPath: entry,
    preloadModules: PRELOADED_MODULES,
    ...(telemetry ? { workflowInterceptorModules: TELEMETRY_INTERCEPTOR_MODULES } : {}),
  });
}
