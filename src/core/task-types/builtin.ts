// The built-in task types, in catalog order. A new built-in type is one file of this folder
// and one line here.

import { agent } from './agent.js';
import { approval } from './approval.js';
import { fail } from './fail.js';
import { foreach } from './foreach.js';
import { http } from './http.js';
import { ifTask } from './if.js';
import { llm } from './llm.js';
import { log } from './log.js';
import { mcp } from './mcp.js';
import { parallel } from './parallel.js';
import { script } from './script.js';
import { sequence } from './sequence.js';
import { set } from './set.js';
import { sleep } from './sleep.js';
import { subflow } from './subflow.js';
import { switchTask } from './switch.js';

export const BUILTIN_TASK_TYPES = [
  log,
  set,
  fail,
  sleep,
  http,
  script,
  llm,
  mcp,
  agent,
  approval,
  subflow,
  sequence,
  parallel,
  ifTask,
  switchTask,
  foreach,
] as const;

/** A built-in descriptor, as a union of each one's literal type. */
export type BuiltinTaskType = (typeof BUILTIN_TASK_TYPES)[number];
export type BuiltinTaskTypeName = BuiltinTaskType['name'];
