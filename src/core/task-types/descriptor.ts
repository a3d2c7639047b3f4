// The shape every task type has, built-in or added by a Weft module: its config schema (the one
// source of its TypeScript type), defaults, catalog text and how it runs. The validator, the JSON
// Schema export, the task catalog and the run-start defaults all read descriptors.

import type { z } from 'zod';
import type { ValidationProblem } from '../errors.js';
import type { Task, TaskBase } from '../spec/flow-spec.js';

/** One task type. `S` is its zod config shape, `N` its name. */
export interface TaskTypeDescriptor<S extends z.ZodRawShape = z.ZodRawShape, N extends string = string> {
  /** The `type` flows use: lowercase letters, digits, `_` and `-`. */
  name: N;
  /** One sentence for the catalog and the JSON Schema. */
  description: string;
  /** zod fields of the task's own config, besides the common ones (id, when, retry, timeout, ...). */
  config: S;
  /** The output shape in words, for the catalog. */
  output: string;
  /** A small valid task of this type, for the catalog. */
  example: Record<string, unknown>;
  /** Per-attempt timeout when the task sets none (a duration such as `30s`); for types that do I/O. */
  defaultTimeout?: string;
  /** Error types never retried, added to each task's own `retry.nonRetryable`. */
  nonRetryable?: readonly string[];
  /**
   * Whether a task of this type may set `cache` (its output kept by its rendered configuration for
   * `cache.ttl`). Built-in types say so; a module's type may be cached unless it sets `false`
   * (a handler whose result must never be reused, such as one that sends a message).
   */
  cacheable?: boolean;
  /** The activity that does this type's I/O; absent: the workflow runs it (control flow, waits, child runs). */
  activity?: string;
  /**
   * Set on a type with no one `activity` whose work still runs as activities (an agent's model and
   * MCP calls), so its `queue` routes them.
   */
  runsActivities?: boolean;
  /** Config fields that hold a task list. */
  nested?: readonly (keyof S & string)[];
  /** Config fields that hold a map of task lists (switch cases). */
  nestedMaps?: readonly (keyof S & string)[];
  /** Config fields whose templates may call `secret()`. */
  secretFields?: readonly (keyof S & string)[];
  /** Config fields that are not templates (besides nested lists and the common fields). */
  rawFields?: readonly (keyof S & string)[];
  /** Rules across fields that the schema cannot say; each problem names its path. */
  check?: (task: Record<string, unknown>, path: string) => ValidationProblem[];
  /** Set when the type is in the spec but this build cannot run it yet. */
  unavailable?: string;
}

/** Any descriptor, whatever its config shape. */
// biome-ignore lint/suspicious/noExplicitAny: each task type has its own config shape
export type AnyTaskTypeDescriptor = TaskTypeDescriptor<any, string>;

/**
 * Declares a descriptor and keeps its literal types (name, nested fields), so `TaskOf` can give
 * the task's TypeScript type.
 */
export function describeTaskType<S extends z.ZodRawShape, const N extends string, const D extends TaskTypeDescriptor<S, N>>(
  descriptor: D & TaskTypeDescriptor<S, N>,
): D {
  return descriptor;
}

type Config<D extends AnyTaskTypeDescriptor> = z.infer<z.ZodObject<D['config']>>;
type ListField<D> = D extends { nested: readonly (infer K)[] } ? K : never;
type MapField<D> = D extends { nestedMaps: readonly (infer K)[] } ? K : never;

/** The TypeScript type of a task of type `D`: the common fields, `type`, and its config, nested lists typed as tasks. */
export type TaskOf<D extends AnyTaskTypeDescriptor> = D extends AnyTaskTypeDescriptor
  ? TaskBase & { type: D['name'] } & {
      -readonly [K in keyof Config<D>]: K extends ListField<D> ? Task[] : K extends MapField<D> ? Record<string, Task[]> : Config<D>[K];
    }
  : never;
