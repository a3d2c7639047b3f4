// MCP tasks for `run_flow` and `restart_run`: a client that asks for a task (task-augmented
// `tools/call`) gets one whose id is the run id, so the task is as durable as the run and needs
// no store of its own. `tasks/get` reads the run's state, `tasks/result` waits for its end and
// answers what the tool answers, `tasks/cancel` cancels the run. Ordinary calls never come here: `run_flow`
// stays an ordinary tool, since the SDK's path for task-capable tools turns a call without a
// task into a wait until the task ends, which would ignore `waitSeconds`.

import { type CallToolRequest, CallToolRequestSchema, ErrorCode, McpError, type Result, type Task } from '@modelcontextprotocol/sdk/types.js';
import { WeftError } from '../src/core/errors.js';
import type { RunState } from '../src/core/runs/run-types.js';
import { type RunDetail, RunNotFoundError } from '../src/services/run-service.js';
import { parseToolArguments, toolInputSchema } from './tool-arguments.js';
import type { McpToolContext, ToolContext } from './tool-registry.js';
import { toolSuccess } from './tool-result.js';
import { restartResult, restartRunTool, startRestart } from './tools/restart-tools.js';
import { checkRunAccess, runFlow, runFlowResult, startRun } from './tools/run-tools.js';

type TaskStore = NonNullable<ConstructorParameters<typeof import('@modelcontextprotocol/sdk/server/mcp.js').McpServer>[1]>['taskStore'];
type RequestHandler = (request: CallToolRequest, extra: unknown) => Promise<Result>;

/** How often a client should ask again: runs move at the pace of tasks, not of milliseconds. */
const POLL_INTERVAL_MS = 500;

/** What the server declares: task-augmented `tools/call`, `tasks/list` and `tasks/cancel`. */
export const RUN_TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

/** The task state of a run: a run waiting on an approval needs input, every end but success and cancellation is a failure. */
export function taskStatusOf(state: RunState, pendingApprovals: number): Task['status'] {
  switch (state) {
    case 'RUNNING':
      return 'working';
    case 'WAITING':
      return pendingApprovals > 0 ? 'input_required' : 'working';
    case 'COMPLETED':
      return 'completed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'failed';
  }
}

function taskOf(detail: RunDetail): Task {
  const status = taskStatusOf(detail.state, detail.approvals.length);
  const approvals = detail.approvals.map((a) => a.taskId).join(', ');
  return {
    taskId: detail.runId,
    status,
    ttl: null,
    createdAt: detail.startedAt,
    lastUpdatedAt: detail.endedAt ?? new Date().toISOString(),
    pollInterval: POLL_INTERVAL_MS,
    statusMessage: status === 'input_required' ? `waiting on approval ${approvals}; get_run lists it and who may answer` : `run ${detail.state}`,
  };
}

/** A task store over the runs this session may see; the task id is the run id. */
export class RunTaskStore implements NonNullable<TaskStore> {
  /** Whether this session's task call started its run or found it by idempotency key. */
  private readonly startedByTask = new Map<string, boolean>();
  /** Runs this session's `restart_run` task calls started: what they restart and may reuse. */
  private readonly restarts = new Map<string, { restartOf: string; reusable: string[] }>();

  // The store must exist before the server it serves, so it reaches the session's context late.
  constructor(private readonly context: () => ToolContext) {}

  private get ctx(): ToolContext {
    return this.context();
  }

  noteStarted(runId: string, started: boolean): void {
    this.startedByTask.set(runId, started);
  }

  noteRestart(runId: string, restart: { restartOf: string; reusable: string[] }): void {
    this.restarts.set(runId, restart);
  }

  async createTask(): Promise<Task> {
    // Tasks are created by `run_flow` calls (see `serveRunTasks`), never through the SDK's path.
    throw new McpError(ErrorCode.InvalidRequest, 'tasks are created only by a task-augmented run_flow call');
  }

  private async detail(runId: string): Promise<RunDetail | null> {
    try {
      return (await checkRunAccess(runId, this.ctx)) ?? (await this.ctx.services.runs.get(runId));
    } catch (error) {
      if (error instanceof RunNotFoundError) return null;
      if (error instanceof WeftError) throw new McpError(ErrorCode.InvalidParams, `${error.code}: ${error.message}`);
      throw error;
    }
  }

  async getTask(taskId: string): Promise<Task | null> {
    const detail = await this.detail(taskId);
    return detail ? taskOf(detail) : null;
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const detail = await this.detail(taskId);
    if (!detail) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
    const restart = this.restarts.get(taskId) ?? (detail.restartOf ? { restartOf: detail.restartOf, reusable: [] } : undefined);
    if (restart) {
      const answer = restartResult(detail, restart.restartOf, restart.reusable, this.ctx.services.runs.uiUrl(taskId));
      return toolSuccess(answer.structured as Record<string, unknown>, answer.summary);
    }
    const { structured, summary } = runFlowResult(detail, this.startedByTask.get(taskId) ?? true, this.ctx.services.runs.uiUrl(taskId));
    return toolSuccess(structured as Record<string, unknown>, summary);
  }

  async storeTaskResult(): Promise<void> {
    // The run's own result is the task's result; there is nothing to store.
  }

  async updateTaskStatus(taskId: string, status: Task['status']): Promise<void> {
    // The only change a client can ask for is cancellation; every other state comes from the run.
    if (status !== 'cancelled') return;
    await checkRunAccess(taskId, this.ctx);
    await this.ctx.services.runs.cancel(taskId, { reason: 'MCP task cancelled by the client' });
    this.ctx.access.audit?.({ tool: 'tasks/cancel', arguments: { taskId }, outcome: 'ok', summary: `cancelled run ${taskId}`, runId: taskId });
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await this.ctx.services.runs.list({ namespace: this.ctx.access.namespace, cursor, limit: 50 });
    const tasks = page.runs.map((run) => ({
      taskId: run.runId,
      // The listing has no approvals; `tasks/get` tells a waiting run's input_required.
      status: taskStatusOf(run.state, 0),
      ttl: null,
      createdAt: run.startedAt,
      lastUpdatedAt: run.endedAt ?? run.startedAt,
      pollInterval: POLL_INTERVAL_MS,
    }));
    return { tasks, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }
}

/**
 * Answers task-augmented `run_flow` calls with a task whose id is the run id; every other call
 * goes to the handler the SDK installed for registered tools.
 */
export function serveRunTasks(ctx: McpToolContext, store: RunTaskStore): void {
  // The SDK keeps its tools/call handler private and offers no way to wrap it; taken once, here.
  const handlers = (ctx.server.server as unknown as { _requestHandlers: Map<string, RequestHandler> })._requestHandlers;
  const toolCall = handlers.get('tools/call');
  // No tool registered for this session: nothing to call, as a task or otherwise.
  if (!toolCall) return;
  const inputSchema = toolInputSchema(runFlow.input);
  const restartSchema = toolInputSchema(restartRunTool.input);
  ctx.server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    if (!request.params.task || (name !== runFlow.name && name !== restartRunTool.name) || !ctx.access.toolVisible(name)) return toolCall(request, extra);
    const args = request.params.arguments ?? {};
    if (name === restartRunTool.name) return restartAsTask(ctx, store, restartSchema, args);
    try {
      const checked = (await parseToolArguments(runFlow.name, inputSchema, args)) as {
        flow: string;
        inputs?: Record<string, unknown>;
        idempotencyKey?: string;
        revision?: number;
      };
      const { runId, started } = await startRun(checked, ctx);
      store.noteStarted(runId, started);
      ctx.access.audit?.({
        tool: runFlow.name,
        arguments: args,
        outcome: 'ok',
        summary: `${started ? 'started' : 'attached to'} run ${runId} as a task`,
        runId,
        flow: checked.flow,
      });
      const task = await store.getTask(runId);
      if (!task) throw new RunNotFoundError(runId);
      return { task };
    } catch (error) {
      ctx.access.audit?.({ tool: runFlow.name, arguments: args, outcome: 'error', errorCode: error instanceof WeftError ? error.code : 'INTERNAL' });
      // A task call that starts nothing has no task to hand back: the refusal is the answer.
      if (error instanceof McpError) throw error;
      const data = error instanceof WeftError ? { code: error.code, ...(error.hint ? { hint: error.hint } : {}) } : undefined;
      throw new McpError(ErrorCode.InvalidParams, error instanceof WeftError ? `${error.code}: ${error.message}` : String(error), data);
    }
  });
}

/** A task-augmented `restart_run` call: the new run is the task. */
async function restartAsTask(
  ctx: ToolContext,
  store: RunTaskStore,
  schema: ReturnType<typeof toolInputSchema>,
  args: Record<string, unknown>,
): Promise<Result> {
  try {
    const checked = (await parseToolArguments(restartRunTool.name, schema, args)) as Parameters<typeof startRestart>[0];
    const restarted = await startRestart(checked, ctx);
    store.noteRestart(restarted.runId, restarted);
    ctx.access.audit?.({
      tool: restartRunTool.name,
      arguments: args,
      outcome: 'ok',
      summary: `restarted ${restarted.restartOf} as run ${restarted.runId} as a task`,
      runId: restarted.runId,
    });
    const task = await store.getTask(restarted.runId);
    if (!task) throw new RunNotFoundError(restarted.runId);
    return { task };
  } catch (error) {
    ctx.access.audit?.({ tool: restartRunTool.name, arguments: args, outcome: 'error', errorCode: error instanceof WeftError ? error.code : 'INTERNAL' });
    if (error instanceof McpError) throw error;
    const data = error instanceof WeftError ? { code: error.code, ...(error.hint ? { hint: error.hint } : {}) } : undefined;
    throw new McpError(ErrorCode.InvalidParams, error instanceof WeftError ? `${error.code}: ${error.message}` : String(error), data);
  }
}
