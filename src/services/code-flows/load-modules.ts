// Loads the Weft modules named by WEFT_MODULES (comma-separated paths, TypeScript or
// JavaScript) and registers their task types with the validator, so every process (CLI, MCP,
// worker) validates flows that use them the same way.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { registerTaskType } from '../../core/task-types/registry.js';
import type { WeftModule } from './weft-module.js';

let loaded: Promise<WeftModule[]> | undefined;

/** The modules of WEFT_MODULES (`config.modules`), loaded once per process. */
export function loadWeftModules(paths: readonly string[]): Promise<WeftModule[]> {
  loaded ??= load(paths.join(','));
  return loaded;
}

async function load(list: string): Promise<WeftModule[]> {
  const modules: WeftModule[] = [];
  for (const path of list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    let imported: { default?: WeftModule };
    try {
      imported = (await import(pathToFileURL(resolve(path)).href)) as { default?: WeftModule };
    } catch (error) {
      throw new ConfigError(
        `WEFT_MODULES: cannot load ${path}: ${(error as Error).message.split('\n')[0]}`,
        'give paths of modules that export default defineWeftModule({...})',
      );
    }
    if (!imported.default) throw new ConfigError(`WEFT_MODULES: ${path} has no default export`, 'export default defineWeftModule({ flows, taskTypes, ... })');
    registerModule(imported.default);
    modules.push(imported.default);
  }
  return modules;
}

const codeFlowInputs = new Map<string, z.ZodType>();

/** The zod input schema of a code flow of a loaded module, by `namespace/id`. */
export function codeFlowInputSchema(ref: string): z.ZodType | undefined {
  return codeFlowInputs.get(ref);
}

/** Registers a module's task types with the validator and the catalog, and its code flows' input schemas. */
export function registerModule(module: WeftModule): void {
  for (const flow of module.flows ?? []) codeFlowInputs.set(`${flow.namespace}/${flow.id}`, flow.input);
  // The descriptor is the handler's definition minus `run`; the registry checks it.
  for (const { run: _run, ...descriptor } of module.taskTypes ?? []) registerTaskType(descriptor);
}
