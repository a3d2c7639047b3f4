// Task types added from TypeScript (a Weft module's `taskTypes`). Once registered, the
// validator, the JSON Schema export and the task catalog treat them like built-in types; the
// worker runs them through its custom-task activity.

import type { z } from 'zod';

export interface CustomTaskTypeInfo {
  name: string;
  description: string;
  config: Record<string, z.ZodType>;
  /** The output shape, in words, for the catalog. */
  output: string;
  example?: Record<string, unknown>;
  defaultTimeout?: string;
  /** Fields whose templates may call `secret()`; resolved inside the activity. */
  secretFields?: readonly string[];
}

const registry = new Map<string, CustomTaskTypeInfo>();

/** Registers a task type; a second registration of the same name replaces the first. */
export function registerCustomTaskType(info: CustomTaskTypeInfo): void {
  registry.set(info.name, info);
}

export function customTaskType(name: string): CustomTaskTypeInfo | undefined {
  return registry.get(name);
}

export function customTaskTypeNames(): string[] {
  return [...registry.keys()].sort();
}
