// What "the same rendered configuration" means for each kind of task run a restart can reuse,
// computed the same way by the restart service (from the original run's history) and by the
// workflow (before it calls the activity again). Pure: the workflow bundle imports it.

import { configDigest } from './config-digest.js';

/**
 * An I/O task's activity input without its per-attempt `context` (run id, attempt, nonce): the
 * configuration the task ran with, `cache` included, since it changes the activity's answer.
 */
export function activityConfigDigest(input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return configDigest(input);
  const { context: _context, ...config } = input as Record<string, unknown>;
  return configDigest(config);
}

/** A subflow task: the flow and revision its child ran, and the child's resolved inputs. */
export function subflowConfigDigest(config: { flow: string; revision: number; inputs: Record<string, unknown> }): string {
  return configDigest({ subflow: config.flow, revision: config.revision, inputs: config.inputs });
}

/** An approval task: what it asked, of whom, with which form and what a rejection does. */
export function approvalConfigDigest(config: { message: string; approvers: string; fields?: unknown; onReject?: string }): string {
  return configDigest({ approval: config.message, approvers: config.approvers, fields: config.fields, onReject: config.onReject ?? 'fail' });
}

/** A sleep task: its duration, or the rendered time it sleeps until. */
export function sleepConfigDigest(config: { duration?: string; until?: unknown }): string {
  return configDigest({ sleep: config.duration, until: config.until });
}

/**
 * An agent task: the model request it opens with (provider, model, system, messages, prompt
 * template, schema, sampling; no per-attempt context) and its tools, approvals and step bound.
 */
export function agentConfigDigest(request: Record<string, unknown>, task: { tools?: unknown; approve?: unknown; maxSteps?: unknown }): string {
  const { context: _context, tools: _tools, ...opening } = request;
  return configDigest({ agent: opening, tools: task.tools, approve: task.approve, maxSteps: task.maxSteps });
}

/** The foreach iteration path of a task run key (`id[3,1]` -> [3, 1]); undefined outside iterations. */
export function iterationOfKey(key: string): number[] | undefined {
  const match = /\[([\d,]+)\]$/.exec(key);
  return match?.[1] ? match[1].split(',').map(Number) : undefined;
}

/** The task id of a task run key (`id[3,1]` -> `id`). */
export function taskIdOfKey(key: string): string {
  const at = key.indexOf('[');
  return at < 0 ? key : key.slice(0, at);
}
