// The typed model of a validated flow (spec version 1). Values of these types enter Temporal
// history as workflow input, so fields may only ever be added, and only as optional.

import type { FlowInput, RetryPolicy } from './schemas.js';

export type { FlowInput, RetryPolicy };

/** Fields every task carries. */
export interface TaskBase {
  id: string;
  description?: string;
  when?: string;
  retry?: RetryPolicy;
  timeout?: string;
  allowFailure?: boolean;
  cache?: { ttl: string };
}

type TextMap = Record<string, string | number | boolean>;

export interface LogTask extends TaskBase {
  type: 'log';
  message: string;
  level?: 'debug' | 'info' | 'warn' | 'error';
}
export interface SetTask extends TaskBase {
  type: 'set';
  values: Record<string, unknown>;
}
export interface FailTask extends TaskBase {
  type: 'fail';
  message: string;
}
export interface SleepTask extends TaskBase {
  type: 'sleep';
  duration?: string;
  until?: string;
}
export interface HttpTask extends TaskBase {
  type: 'http';
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  headers?: TextMap;
  query?: TextMap;
  json?: unknown;
  body?: string;
  expectStatus?: number | string | Array<number | string>;
  responseType?: 'auto' | 'json' | 'text';
}
export interface ScriptTask extends TaskBase {
  type: 'script';
  language: 'bash' | 'python' | 'node';
  script: string;
  env?: TextMap;
  workingDir?: string;
}
export interface LlmTask extends TaskBase {
  type: 'llm';
  provider: string;
  model: string;
  system?: string;
  prompt?: string;
  messages?: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  promptTemplate?: string;
  promptArgs?: Record<string, unknown>;
  responseSchema?: Record<string, unknown>;
  temperature?: number;
  maxTokens?: number;
}
export interface ApprovalTask extends TaskBase {
  type: 'approval';
  message: string;
  timeout?: string;
  onTimeout?: 'fail' | 'approve' | 'reject';
  onReject?: 'fail' | 'continue';
  approvers?: 'human' | 'any';
  fields?: Record<string, unknown>;
}
export interface SubflowTask extends TaskBase {
  type: 'subflow';
  flow: string;
  revision?: number;
  inputs?: Record<string, unknown>;
  wait?: boolean;
}
export interface SequenceTask extends TaskBase {
  type: 'sequence';
  tasks: Task[];
}
export interface ParallelTask extends TaskBase {
  type: 'parallel';
  tasks: Task[];
  concurrency?: number;
}
export interface IfTask extends TaskBase {
  type: 'if';
  condition: string;
  then: Task[];
  else?: Task[];
}
export interface SwitchTask extends TaskBase {
  type: 'switch';
  value: string;
  cases: Record<string, Task[]>;
  default?: Task[];
}
export interface ForeachTask extends TaskBase {
  type: 'foreach';
  items: string | unknown[];
  concurrency?: number;
  tasks: Task[];
}

export type Task =
  | LogTask
  | SetTask
  | FailTask
  | SleepTask
  | HttpTask
  | ScriptTask
  | LlmTask
  | ApprovalTask
  | SubflowTask
  | SequenceTask
  | ParallelTask
  | IfTask
  | SwitchTask
  | ForeachTask;

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
}

/** `namespace/id`, how flows are referenced everywhere. */
export function flowRef(flow: Pick<FlowSpec, 'namespace' | 'id'>): string {
  return `${flow.namespace}/${flow.id}`;
}
