// Task types that do I/O: each renders its templates in the workflow (secrets stay markers)
// and hands the result to one activity. Subflows are child workflows.

import { executeChild, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { renderTemplate, renderText, renderTextMap, renderValue } from '../src/core/expressions/evaluate.js';
import type { LogLine } from '../src/core/runs/activity-io.js';
import { subflowConfigDigest } from '../src/core/runs/restart-digest.js';
import { resolveInputs } from '../src/core/runs/run-inputs.js';
import { type FlowRunResult, type TaskRunRecord, taskRunKey } from '../src/core/runs/run-types.js';
import { parseDuration } from '../src/core/spec/duration.js';
import type { HttpTask, LogTask, McpTask, ScriptTask, SubflowTask } from '../src/core/spec/flow-spec.js';
import { defaultsOf } from '../src/core/task-types/run-defaults.js';
import { childRunInput, childRunOptions, MAX_SUBFLOW_DEPTH } from './child-run.js';
import type { Frame } from './frame.js';
import type { RunContext } from './run-context.js';
import { cachedSubflowOutcome, storeSubflowOutcome, subflowCacheQuery } from './subflow-cache.js';
import { cacheRequestOf, outputOf } from './task-cache.js';
import { TaskFailure } from './task-failure.js';

/** Extra time Temporal allows past the task's own timeout, which the activity enforces itself. */
const TIMEOUT_SLACK_MS = 30_000;

function timeoutMs(ctx: RunContext, task: HttpTask | ScriptTask | McpTask): number {
  return parseDuration(task.timeout ?? defaultsOf(ctx.taskDefaults, task.type).defaultTimeout ?? '30s') ?? 30_000;
}

/** A `log` task: its line goes to the run-log sink at once, after the buffered task events; returns the task's output. */
export function writeLog(ctx: RunContext, task: LogTask, frame: Frame): Record<string, never> {
  ctx.events.writeNow(logLines(ctx, task, frame));
  return {};
}

function logLines(ctx: RunContext, task: LogTask, frame: Frame): LogLine[] {
  const message = renderText(task.message, frame.scope(), `${task.id}.message`);
  const key = taskRunKey(task.id, frame.iteration);
  const flow = `${ctx.flow.namespace}/${ctx.flow.id}`;
  const line = {
    id: `${ctx.runId}|${key}|log`,
    runId: ctx.runId,
    flow,
    taskId: task.id,
    attempt: 1,
    level: task.level ?? 'info',
    message,
    time: new Date().toISOString(),
  };
  return [frame.iteration ? { ...line, iteration: frame.iteration } : line];
}

/**
 * Not async: it hands back the activity's promise itself (one promise fewer per request, see
 * Interpreter.withRetry); a template error throws at once, inside the caller's try.
 */
export function runHttp(ctx: RunContext, task: HttpTask, frame: Frame, attempt: number, record: TaskRunRecord): Promise<unknown> {
  const scope = ctx.secretScope(frame);
  const url = renderText(task.url, scope, `${task.id}.url`);
  const limit = timeoutMs(ctx, task);
  const key = taskRunKey(task.id, frame.iteration);
  const method = task.method ?? 'GET';
  const cache = cacheRequestOf(task, frame);
  const acts = ctx.activities(key, attempt, `${key}: ${method} ${stripSecrets(url)}`, limit + TIMEOUT_SLACK_MS, task.id);
  const call = acts.httpRequest({
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    url,
    method,
    headers: renderTextMap(task.headers, scope, `${task.id}.headers`),
    query: renderTextMap(task.query, scope, `${task.id}.query`),
    ...(task.json !== undefined ? { json: renderValue(task.json, scope, `${task.id}.json`) } : {}),
    ...(task.body !== undefined ? { body: renderText(task.body, scope, `${task.id}.body`) } : {}),
    ...(task.expectStatus !== undefined ? { expectStatus: task.expectStatus } : {}),
    responseType: task.responseType ?? 'auto',
    timeoutMs: limit,
    ...(cache ? { cache } : {}),
  });
  return cache ? call.then((answer) => outputOf(record, answer)) : call;
}

export async function runScript(ctx: RunContext, task: ScriptTask, frame: Frame, attempt: number, record: TaskRunRecord): Promise<unknown> {
  const scope = ctx.secretScope(frame);
  const limit = timeoutMs(ctx, task);
  const key = taskRunKey(task.id, frame.iteration);
  const cache = cacheRequestOf(task, frame);
  const acts = ctx.activities(key, attempt, `${key}: ${task.language} script`, limit + TIMEOUT_SLACK_MS, task.id);
  const answer = await acts.runScript({
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    language: task.language,
    script: task.script,
    env: renderTextMap(task.env, scope, `${task.id}.env`),
    ...(task.workingDir !== undefined ? { workingDir: renderText(task.workingDir, scope, `${task.id}.workingDir`) } : {}),
    ...(task.network !== undefined ? { network: task.network } : {}),
    ...(task.resources !== undefined ? { resources: task.resources } : {}),
    ...(task.dependencies !== undefined ? { dependencies: task.dependencies } : {}),
    ...(task.files !== undefined ? { files: { namespace: ctx.flow.namespace, paths: task.files } } : {}),
    // Absent without image, so the input of every task that could run before is unchanged.
    ...(task.image !== undefined ? { image: task.image } : {}),
    timeoutMs: limit,
    ...(cache ? { cache } : {}),
  });
  return cache ? outputOf(record, answer) : answer;
}

/** An `mcp` task: the arguments are rendered here (no secret() in them), the call is the activity's. */
export async function runMcp(ctx: RunContext, task: McpTask, frame: Frame, attempt: number, record: TaskRunRecord): Promise<unknown> {
  const limit = timeoutMs(ctx, task);
  const key = taskRunKey(task.id, frame.iteration);
  const cache = cacheRequestOf(task, frame);
  const acts = ctx.activities(key, attempt, `${key}: ${task.server} ${task.tool}`, limit + TIMEOUT_SLACK_MS, task.id);
  const answer = await acts.callMcpTool({
    context: ctx.taskContext(task.id, frame.iteration, attempt),
    server: task.server,
    tool: task.tool,
    arguments: (task.arguments ? renderValue(task.arguments, frame.scope(), `${task.id}.arguments`) : {}) as Record<string, unknown>,
    timeoutMs: limit,
    ...(cache ? { cache } : {}),
  });
  return cache ? outputOf(record, answer) : answer;
}

export async function runSubflow(ctx: RunContext, task: SubflowTask, frame: Frame, record: TaskRunRecord): Promise<unknown> {
  if (ctx.depth + 1 > MAX_SUBFLOW_DEPTH) {
    throw new TaskFailure(task.id, frame.iteration, {
      type: 'SubflowDepthExceeded',
      message: `subflow ${task.flow} would nest ${ctx.depth + 1} deep; the limit is ${MAX_SUBFLOW_DEPTH} (does the flow call itself without end?)`,
    });
  }
  const rights = ctx.rights ? { rights: ctx.rights } : {};
  const resolved = await ctx.local.resolveFlow({ flow: task.flow, ...(task.revision !== undefined ? { revision: task.revision } : {}), ...rights });
  const given = (task.inputs ? renderValue(task.inputs, frame.scope(), `${task.id}.inputs`) : {}) as Record<string, unknown>;
  const inputs = resolveInputs(resolved.flow, given);
  if (!inputs.valid) {
    throw new TaskFailure(task.id, frame.iteration, { type: 'InvalidInputs', message: inputs.problems.map((p) => p.message).join('; ') });
  }
  const input = childRunInput(ctx, resolved, inputs.inputs, 'subflow');
  const reused = ctx.restart?.match(taskRunKey(task.id, frame.iteration), () =>
    subflowConfigDigest({ flow: `${resolved.flow.namespace}/${resolved.flow.id}`, revision: resolved.revision, inputs: inputs.inputs }),
  );
  if (reused) return reused.output;
  const cache = task.wait === false ? undefined : cacheRequestOf(task, frame);
  const cacheQuery = cache ? subflowCacheQuery(ctx, task, frame, record, cache, { revision: resolved.revision, inputs: inputs.inputs }) : undefined;
  if (cacheQuery) {
    const cached = await cachedSubflowOutcome(ctx, cacheQuery, record);
    if (cached !== undefined) return cached;
  }
  if (resolved.downstream) input.downstream = true;
  const options = childRunOptions(resolved, input, taskRunKey(task.id, frame.iteration), `subflow ${task.flow}`);
  const { workflowId } = options;
  if (task.wait === false) {
    await startChild('flowRun', { ...options, parentClosePolicy: ParentClosePolicy.ABANDON });
    return { runId: workflowId, state: 'RUNNING', outputs: {} };
  }
  // The child may wait for hours (approvals): show what happened so far before waiting on it.
  ctx.events.writeNow();
  const result = (await executeChild('flowRun', options)) as FlowRunResult;
  const output = { runId: workflowId, state: result.state, outputs: result.outputs };
  if (cacheQuery) await storeSubflowOutcome(ctx, cacheQuery, output);
  return output;
}

// Activity summaries are visible in the Web UI: never show a secret marker's name there either.
function stripSecrets(text: string): string {
  return text.replace(/\u27e6weft-secret:[A-Za-z0-9_]+(?:@[A-Za-z0-9]+)?\u27e7/g, '***').slice(0, 160);
}

export { renderTemplate };
