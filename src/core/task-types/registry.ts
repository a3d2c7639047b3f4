// The task types this process knows: the built-in descriptors, and those a Weft module
// registered. Every reader (validator, JSON Schema, catalog, run-start defaults) asks here.

import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseDuration } from '../spec/duration.js';
import { CommonTaskFields } from '../spec/schemas.js';
import { BUILTIN_TASK_TYPES, type BuiltinTaskTypeName } from './builtin.js';
import type { AnyTaskTypeDescriptor } from './descriptor.js';

const TYPE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** The activity that runs every task type a module adds (activities/custom-task.ts). */
export const CUSTOM_TASK_ACTIVITY = 'runCustomTask';

const builtin = new Map<string, AnyTaskTypeDescriptor>(BUILTIN_TASK_TYPES.map((d) => [d.name, d]));
const added = new Map<string, AnyTaskTypeDescriptor>();

/** Whether `name` is a built-in task type. */
export function isBuiltinTaskType(name: unknown): name is BuiltinTaskTypeName {
  return typeof name === 'string' && builtin.has(name);
}

/** Whether `name` is a task type this process knows: built-in or registered by a module. */
export function isKnownTaskType(name: unknown): name is string {
  return typeof name === 'string' && (builtin.has(name) || added.has(name));
}

/** Built-in types in catalog order, then the registered ones by name. */
export function allTaskTypeNames(): string[] {
  return [...builtin.keys(), ...[...added.keys()].sort()];
}

/** The descriptor of a known task type; throws on an unknown one (callers check `isKnownTaskType` first). */
export function taskTypeOf(name: string): AnyTaskTypeDescriptor {
  const found = builtin.get(name) ?? added.get(name);
  if (!found) throw new Error(`unknown task type ${name}`);
  return found;
}

/** Built-in task type by the activity that does its I/O, and `custom` for a module's types (for history readers). */
export function taskTypesByActivity(): Record<string, string> {
  const byActivity: Record<string, string> = { [CUSTOM_TASK_ACTIVITY]: 'custom' };
  for (const descriptor of builtin.values()) if (descriptor.activity) byActivity[descriptor.activity] = descriptor.name;
  return byActivity;
}

/** The strict zod schema of one task: the common fields, its `type`, and its config. */
export function taskSchema(name: string): z.ZodObject {
  return z.strictObject({ ...CommonTaskFields, type: z.literal(name), ...taskTypeOf(name).config });
}

/**
 * Adds a task type from a module; a second registration of the same name replaces the first.
 * Throws ConfigError when the descriptor could not work: a bad or built-in name, nested task
 * lists (a module's type runs as one activity), a bad default timeout, a secret or raw field its
 * config lacks, or an example its own schema refuses. Unless it sets `cacheable: false`, its tasks
 * may set `cache`.
 */
export function registerTaskType(descriptor: AnyTaskTypeDescriptor): void {
  const { name } = descriptor;
  if (!TYPE_NAME.test(name)) throw new ConfigError(`task type name "${name}" is invalid`, 'use lowercase letters, digits, _ and -');
  if (builtin.has(name)) throw new ConfigError(`task type "${name}" is built in and cannot be replaced`, 'choose another name');
  if (descriptor.nested?.length || descriptor.nestedMaps?.length) {
    throw new ConfigError(`task type "${name}" declares nested task lists, which only built-in types may hold`, 'remove nested and nestedMaps');
  }
  if (descriptor.defaultTimeout !== undefined && parseDuration(descriptor.defaultTimeout) === undefined) {
    throw new ConfigError(`task type "${name}" defaultTimeout "${descriptor.defaultTimeout}" is not a duration`, 'write e.g. 30s, 5m or 1h');
  }
  for (const field of [...(descriptor.secretFields ?? []), ...(descriptor.rawFields ?? [])]) {
    if (!Object.hasOwn(descriptor.config, field)) throw new ConfigError(`task type "${name}" names field "${field}", which its config does not have`);
  }
  // A module's type does I/O in its own activity, so it may be cached unless it opts out.
  const entry: AnyTaskTypeDescriptor = { ...descriptor, activity: CUSTOM_TASK_ACTIVITY, cacheable: descriptor.cacheable ?? true };
  added.set(name, entry);
  const example = taskSchema(name).safeParse(descriptor.example);
  if (!example.success) {
    added.delete(name);
    const issue = example.error.issues[0];
    throw new ConfigError(
      `task type "${name}" example is refused by its own config: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
      `give an example such as { id: "my_task", type: "${name}", ... } that the config accepts`,
    );
  }
}
