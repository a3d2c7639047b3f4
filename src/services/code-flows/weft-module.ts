// What a TypeScript project gives Weft: code-first flows (Temporal workflow functions with zod
// input and output schemas), the activities they call, and custom task types that YAML flows
// can use. A project exports one `defineWeftModule({...})`; `WEFT_MODULES` names the files.

import type { z } from 'zod';
import type { TaskTypeDescriptor } from '../../core/task-types/descriptor.js';

/** What a custom task's handler receives besides its (validated, rendered) config. */
export interface CustomTaskContext {
  runId: string;
  taskId: string;
  iteration?: number[];
  attempt: number;
  /** Aborted on cancellation, timeout or worker shutdown. */
  signal: AbortSignal;
  /** Writes a line to the run's logs. */
  log(message: string, level?: 'debug' | 'info' | 'warn' | 'error'): Promise<void>;
}

/**
 * A task type a module adds: the same descriptor as a built-in type (core/task-types/) plus the
 * handler the worker's custom-task activity runs. Its `activity` is always the custom-task one;
 * `cacheable: false` refuses `cache` on its tasks (default: allowed).
 */
export interface TaskTypeDefinition<S extends z.ZodRawShape = z.ZodRawShape> extends Omit<TaskTypeDescriptor<S>, 'activity' | 'nested' | 'nestedMaps'> {
  run(config: z.infer<z.ZodObject<S>>, context: CustomTaskContext): Promise<unknown>;
}

export interface CodeFlowDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  namespace: string;
  id: string;
  description?: string;
  /** Name of the exported workflow function in the module's `workflowsPath`. */
  workflowType: string;
  input: I;
  output?: O;
}

export interface WeftModule {
  /** Absolute path of the file exporting the code flows' workflow functions (bundled with Weft's). */
  workflowsPath?: string;
  /** Activities the code flows call, registered on the Weft worker. */
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  flows?: CodeFlowDefinition[];
  // biome-ignore lint/suspicious/noExplicitAny: each task type has its own config shape
  taskTypes?: TaskTypeDefinition<any>[];
}

export function defineTaskType<S extends z.ZodRawShape>(definition: TaskTypeDefinition<S>): TaskTypeDefinition<S> {
  return definition;
}

export function defineCodeFlow<I extends z.ZodType, O extends z.ZodType>(definition: CodeFlowDefinition<I, O>): CodeFlowDefinition<I, O> {
  return definition;
}

export function defineWeftModule(module: WeftModule): WeftModule {
  return module;
}
