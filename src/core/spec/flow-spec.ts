// The typed model of a validated flow (spec version 1). Values of these types enter Temporal
// history as workflow input, so fields may only ever be added, and only as optional.

import type { z } from 'zod';
import type { agent } from '../task-types/agent.js';
import type { approval } from '../task-types/approval.js';
import type { BuiltinTaskType } from '../task-types/builtin.js';
import type { TaskOf } from '../task-types/descriptor.js';
import type { fail } from '../task-types/fail.js';
import type { foreach } from '../task-types/foreach.js';
import type { http } from '../task-types/http.js';
import type { ifTask } from '../task-types/if.js';
import type { llm } from '../task-types/llm.js';
import type { log } from '../task-types/log.js';
import type { mcp } from '../task-types/mcp.js';
import type { parallel } from '../task-types/parallel.js';
import type { script } from '../task-types/script.js';
import type { sequence } from '../task-types/sequence.js';
import type { set } from '../task-types/set.js';
import type { sleep } from '../task-types/sleep.js';
import type { subflow } from '../task-types/subflow.js';
import type { switchTask } from '../task-types/switch.js';
import type { CommonTaskFields, ConcurrencyConfig, FlowInput, RetryPolicy } from './schemas.js';
import type { Trigger } from './triggers.js';

export type { ConcurrencyConfig, FlowInput, RetryPolicy };

/** Fields every task carries, whatever its type (inferred from `CommonTaskFields`). */
export type TaskBase = Omit<z.infer<z.ZodObject<typeof CommonTaskFields>>, 'type'>;

// Each task type's TypeScript type is inferred from its descriptor's zod config (task-types/).
export type LogTask = TaskOf<typeof log>;
export type SetTask = TaskOf<typeof set>;
export type FailTask = TaskOf<typeof fail>;
export type SleepTask = TaskOf<typeof sleep>;
export type HttpTask = TaskOf<typeof http>;
export type ScriptTask = TaskOf<typeof script>;
export type LlmTask = TaskOf<typeof llm>;
export type McpTask = TaskOf<typeof mcp>;
export type AgentTask = TaskOf<typeof agent>;
export type ApprovalTask = TaskOf<typeof approval>;
export type SubflowTask = TaskOf<typeof subflow>;
export type SequenceTask = TaskOf<typeof sequence>;
export type ParallelTask = TaskOf<typeof parallel>;
export type IfTask = TaskOf<typeof ifTask>;
export type SwitchTask = TaskOf<typeof switchTask>;
export type ForeachTask = TaskOf<typeof foreach>;

/** A task of any built-in type; `type` tells them apart. */
export type Task = TaskOf<BuiltinTaskType>;

/** A validated flow document. */
export interface FlowSpec {
  id: string;
  namespace: string;
  description?: string;
  labels?: Record<string, string>;
  inputs?: FlowInput[];
  vars?: Record<string, unknown>;
  tasks: Task[];
  errors?: Task[];
  finally?: Task[];
  outputs?: Record<string, unknown>;
  retry?: RetryPolicy;
  timeout?: string;
  /** What starts runs without a caller (spec, Triggers). */
  triggers?: Trigger[];
  /** How many runs of this flow at once (spec, Concurrency and limits). */
  concurrency?: ConcurrencyConfig;
  /** The default worker group of its tasks (spec, Common task fields: `queue`); absent: Weft's own queue. */
  queue?: string;
}

/** `namespace/id`, how flows are referenced everywhere. */
export function flowRef(flow: Pick<FlowSpec, 'namespace' | 'id'>): string {
  return `${flow.namespace}/${flow.id}`;
}
