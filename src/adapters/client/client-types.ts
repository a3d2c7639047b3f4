// The client's types, taken from the MCP tools' zod schemas (types only: nothing of zod or the
// tools is in a bundle of the client). A route's arguments are its tool's input, its answer the
// tool's output.

import type { z } from 'zod';
import type { ToolDefinition } from '../../../mcp/tool-registry.js';
import type { manageFiles } from '../../../mcp/tools/file-tools.js';
import type { deleteFlow, getFlow, listFlows, listTaskTypes, saveFlow, validateFlow } from '../../../mcp/tools/flow-tools.js';
import type { getRun, queryLogs } from '../../../mcp/tools/inspect-tools.js';
import type { listLimits, setLimit } from '../../../mcp/tools/limit-tools.js';
import type { restartRunTool } from '../../../mcp/tools/restart-tools.js';
import type { cancelRun, listRuns, respondToApproval, runFlow } from '../../../mcp/tools/run-tools.js';
import type { listTriggers, operateTrigger } from '../../../mcp/tools/trigger-tools.js';

/** What a tool takes, as a caller writes it (optional fields may be left out). */
export type ToolInput<T> = T extends ToolDefinition<infer I, infer _O> ? z.input<z.ZodObject<I>> : never;
/** What a tool answers. */
export type ToolOutput<T> = T extends ToolDefinition<infer _I, infer O> ? z.output<z.ZodObject<O>> : never;

export type TaskTypesQuery = ToolInput<typeof listTaskTypes>;
export type TaskTypes = ToolOutput<typeof listTaskTypes>;
export type FlowValidation = ToolOutput<typeof validateFlow>;
export type SavedFlow = ToolOutput<typeof saveFlow>;
export type FlowsQuery = ToolInput<typeof listFlows>;
export type FlowList = ToolOutput<typeof listFlows>;
export type FlowDetail = ToolOutput<typeof getFlow>;
export type DeletedFlow = ToolOutput<typeof deleteFlow>;
export type StartRun = ToolInput<typeof runFlow>;
export type StartedRun = ToolOutput<typeof runFlow>;
export type RunsQuery = ToolInput<typeof listRuns>;
export type RunList = ToolOutput<typeof listRuns>;
export type RunQuery = Omit<ToolInput<typeof getRun>, 'runId'>;
export type Run = ToolOutput<typeof getRun>;
export type CancelOptions = Omit<ToolInput<typeof cancelRun>, 'runId'>;
export type CancelledRun = ToolOutput<typeof cancelRun>;
export type ApprovalAnswer = Omit<ToolInput<typeof respondToApproval>, 'runId' | 'taskId'>;
export type ApprovalResult = ToolOutput<typeof respondToApproval>;
export type RunLogsQuery = Omit<ToolInput<typeof queryLogs>, 'runId' | 'flow'>;
export type LogsQuery = ToolInput<typeof queryLogs>;
export type LogPage = ToolOutput<typeof queryLogs>;
export type LogEntry = LogPage['entries'][number];
export type TriggersQuery = ToolInput<typeof listTriggers>;
export type TriggerList = ToolOutput<typeof listTriggers>;
export type TriggerAction = ToolInput<typeof operateTrigger>['action'];
export type TriggerOptions = Omit<ToolInput<typeof operateTrigger>, 'flow' | 'triggerId' | 'action'>;
export type TriggerResult = ToolOutput<typeof operateTrigger>;
export type RestartOptions = Omit<ToolInput<typeof restartRunTool>, 'runId'>;
export type RestartedRun = ToolOutput<typeof restartRunTool>;
export type LimitList = ToolOutput<typeof listLimits>;
export type LimitResult = ToolOutput<typeof setLimit>;
export type FileResult = ToolOutput<typeof manageFiles>;
export type FileInfo = NonNullable<FileResult['file']>;
export type FileList = { files: FileInfo[] };
export type TaskRun = Run['tasks'][number];

/** One event of a run's stream (GET /runs/{runId}/events). */
export type RunEvent =
  | { type: 'run'; run: Partial<Run> & Pick<Run, 'runId' | 'state'>; id?: string }
  | { type: 'task'; task: TaskRun; id?: string }
  | { type: 'log'; entry: LogEntry; id?: string };
