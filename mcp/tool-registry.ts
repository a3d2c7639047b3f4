// One way to declare a tool: name, title, model-oriented description, described zod input and
// output, annotations, and a handler returning structured content plus a one-line summary.
// Registration applies the caller's access (hidden tools are never registered, so they are
// neither listed nor callable) and turns every thrown error into an `isError` result; `callTool`,
// shared with the JSON API, checks arguments against the closed input schema and queues a record
// of each mutating call for the audit log, written just after the answer.

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { WeftError } from '../src/core/errors.js';
import { isRightsRefusal } from '../src/services/security/audit-refusals.js';
import { withRequestMeta } from '../src/services/telemetry/request-telemetry.js';
import type { McpAccess } from './access.js';
import type { McpServices } from './services.js';
import { parseToolArguments, toolInputSchema } from './tool-arguments.js';
import { toolError, toolSuccess } from './tool-result.js';

/**
 * The least time between a call's last progress notification and its answer. The MCP SDK's client
 * handles a notification a microtask after reading it but an answer at once, and drops progress
 * for a request already answered: a last notification read together with the answer (one chunk
 * of a pipe or a stream) is lost. The gap lets the client read it first.
 */
const PROGRESS_BEFORE_ANSWER_MS = 15;

async function afterLastProgress(sentAt: number | undefined): Promise<void> {
  if (sentAt === undefined) return;
  const left = PROGRESS_BEFORE_ANSWER_MS - (performance.now() - sentAt);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

/** What a handler gets besides its arguments. */
export interface ToolCall {
  /** Sends a progress notification when the client asked for progress (a no-op otherwise). */
  progress(done: number, total: number | undefined, message: string): Promise<void>;
  /** Aborted when the client cancels the request or the connection closes. */
  signal: AbortSignal;
}

export interface ToolOutcome<O> {
  structured: O;
  summary: string;
  /** For the audit log: the run or flow the call concerned. */
  audit?: { runId?: string; flow?: string };
}

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** `taskSupport: 'optional'` for tools a client may call as an MCP task (served by run-tasks.ts, not the SDK). */
  execution?: { taskSupport: 'optional' };
  /** Listed with the tool: `ui.resourceUri` names the MCP Apps view a host shows with its results. */
  _meta?: Record<string, unknown>;
  /**
   * What the audit log records of a call's arguments (default: all of them): a tool whose
   * arguments carry bulk data records a description of it; undefined: the call changed nothing
   * and is not recorded (a refusal of the caller's rights still is).
   */
  auditArguments?(args: Record<string, unknown>): Record<string, unknown> | undefined;
  run(args: z.infer<z.ZodObject<I>>, call: ToolCall, ctx: ToolContext): Promise<ToolOutcome<z.infer<z.ZodObject<O>>>>;
}

export interface ToolContext {
  /** The MCP session's server; absent for calls through the JSON API (no elicitation, no notifications). */
  server?: McpServer;
  services: McpServices;
  access: McpAccess;
  /** The surface the call came through; runs it starts carry it as their trigger. Default `mcp`. */
  surface?: 'mcp' | 'api';
}

/** The context of a call within an MCP session, which always has its server. */
export type McpToolContext = ToolContext & { server: McpServer };

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of tools of different shapes
export type AnyToolDefinition = ToolDefinition<any, any>;

/**
 * The SDK is given an open schema so that every argument reaches the handler, which checks it
 * against the tool's closed schema: the SDK's own refusal would be a raw dump of schema issues,
 * without the valid names or a did-you-mean.
 */
const UNCHECKED_ARGUMENTS = z.looseObject({});

const inputSchemas = new WeakMap<AnyToolDefinition, z.ZodObject>();

/** The closed input schema of a tool, built once. */
function inputSchemaOf(tool: AnyToolDefinition): z.ZodObject {
  let schema = inputSchemas.get(tool);
  if (!schema) {
    schema = toolInputSchema(tool.input);
    inputSchemas.set(tool, schema);
  }
  return schema;
}

/**
 * Calls a tool the way every surface does (MCP and the JSON API): arguments checked against its
 * closed schema, then its handler; mutating calls, and any call refused for the caller's rights,
 * are queued for the audit log. The caller's access to the tool itself is checked by the caller.
 * Throws what the check or the handler throws: each surface answers errors in its own shape.
 */
export async function callTool(tool: AnyToolDefinition, args: unknown, call: ToolCall, ctx: ToolContext): Promise<ToolOutcome<Record<string, unknown>>> {
  const recorded = tool.auditArguments && args !== null && typeof args === 'object' ? tool.auditArguments(args as Record<string, unknown>) : args;
  const mutating = tool.annotations.readOnlyHint !== true && recorded !== undefined;
  try {
    const checked = await parseToolArguments(tool.name, inputSchemaOf(tool), args);
    const outcome = await tool.run(checked as never, call, ctx);
    if (mutating) ctx.access.audit?.({ tool: tool.name, arguments: recorded, outcome: 'ok', summary: outcome.summary, ...outcome.audit });
    return outcome;
  } catch (error) {
    // Refusals of the caller's rights are recorded for read-only tools too: probing is worth knowing.
    if (mutating || isRightsRefusal(error)) {
      ctx.access.audit?.({ tool: tool.name, arguments: recorded ?? args, outcome: 'error', errorCode: error instanceof WeftError ? error.code : 'INTERNAL' });
    }
    throw error;
  }
}

export function registerTools(ctx: McpToolContext, tools: readonly AnyToolDefinition[]): string[] {
  const registered: string[] = [];
  for (const tool of tools) {
    if (!ctx.access.toolVisible(tool.name)) continue;
    ctx.server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: UNCHECKED_ARGUMENTS,
        outputSchema: tool.output,
        annotations: tool.annotations,
        ...(tool._meta ? { _meta: tool._meta } : {}),
      },
      async (args: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
        const progressToken = extra._meta?.progressToken;
        let progressSentAt: number | undefined;
        const call: ToolCall = {
          signal: extra.signal,
          async progress(done, total, message) {
            if (progressToken === undefined) return;
            await extra
              .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: done, ...(total ? { total } : {}), message } })
              .catch(() => undefined);
            progressSentAt = performance.now();
          },
        };
        try {
          const outcome = await withRequestMeta(extra._meta, () => callTool(tool, args, call, ctx));
          return toolSuccess(outcome.structured, outcome.summary);
        } catch (error) {
          return toolError(error);
        } finally {
          await afterLastProgress(progressSentAt);
        }
      },
    );
    registered.push(tool.name);
  }
  return registered;
}
