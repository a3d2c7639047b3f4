// Tools for authoring flows: the task catalog, validation, saving with revisions, finding,
// reading and deleting flows.

import { z } from 'zod';
import { FlowValidationError, WeftError } from '../../src/core/errors.js';
import { expressionFunctions } from '../../src/core/expressions/function-catalog.js';
import type { FlowSpec } from '../../src/core/spec/flow-spec.js';
import { scriptTaskPaths } from '../../src/core/spec/flow-tasks.js';
import { taskTypeDetail, taskTypeSummaries } from '../../src/core/spec/task-catalog.js';
import { allTaskTypeNames, isKnownTaskType } from '../../src/core/task-types/registry.js';
import { checkFlow } from '../../src/services/flow-service.js';
import { checkFlowTools } from '../../src/services/flows/tool-checks.js';
import type { McpServerCatalog } from '../../src/services/mcp-client/client-pool.js';
import { neededQueues } from '../../src/services/runs/queue-workers.js';
import { assertUpstreamsReadable, flowTriggerWarnings } from '../../src/services/triggers/flow-triggers.js';
import { type McpAccess, namespaceAllowed } from '../access.js';
import { cutText, FLOW_SOURCE_BYTES } from '../budget.js';
import { defineTool, type ToolContext } from '../tool-registry.js';
import { CursorField, FlowRefField, FlowTextField, limitField } from './tool-fields.js';

const Problem = z.object({ path: z.string(), message: z.string(), hint: z.string().optional(), line: z.number().optional() });

/** Thrown when a session may not use `script` tasks or a namespace. */
export class AccessDeniedError extends WeftError {
  constructor(message: string, hint: string) {
    super('ACCESS_DENIED', message, { hint });
  }
}

/** Refuses flows this session may not save or run (script tasks, foreign namespaces). */
export function checkFlowAccess(flow: FlowSpec, access: McpAccess): void {
  if (!namespaceAllowed(access, flow.namespace)) {
    throw new AccessDeniedError(`namespace "${flow.namespace}" is outside this API key's namespace`, `use flows of namespace ${access.namespace}`);
  }
  const scripts = scriptTaskPaths(flow);
  if (scripts.length > 0 && !access.scriptsAllowed) {
    throw new AccessDeniedError(
      `${scripts[0]} is a script task, and this API key may not save or run script tasks`,
      'use http tasks instead, or ask for a key created with --allow-scripts (or scope admin)',
    );
  }
}

/**
 * Refuses a flow reference (`namespace/id`) outside this session's namespace, before anything is
 * read: a foreign flow is neither shown nor confirmed to exist.
 */
export function checkFlowRefAccess(ref: string, access: McpAccess): void {
  const namespace = ref.includes('/') ? ref.slice(0, ref.indexOf('/')) : '';
  if (!namespaceAllowed(access, namespace)) {
    throw new AccessDeniedError(`flow ${ref} is outside this API key's namespace`, `use flows of namespace ${access.namespace}`);
  }
}

export const listTaskTypes = defineTool({
  name: 'list_task_types',
  title: 'List task types',
  description: 'Task types with fields and outputs, and expression functions; type: one in full (schema, defaults, example). Guide: weft://docs/flow-spec.',
  input: { type: z.string().max(100).optional().describe('One type in full') },
  output: {
    types: z.array(z.record(z.string(), z.unknown())),
    functions: z.array(z.object({ name: z.string(), signatures: z.array(z.string()), description: z.string() })).optional(),
    mcpServers: z.array(z.record(z.string(), z.unknown())).optional(),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ type }, _call, ctx) {
    // The configured MCP servers and their tools' input schemas, for writing mcp and agent tasks (in the result, not the description).
    const servers = type === undefined || type === 'mcp' || type === 'agent' ? await mcpServerListing(ctx.services.mcpServers) : undefined;
    const mcpServers = servers?.length ? { mcpServers: servers } : {};
    if (type) {
      if (!isKnownTaskType(type)) {
        throw new WeftError('TASK_TYPE_UNKNOWN', `type "${type}" is not a task type`, { hint: `valid task types: ${allTaskTypeNames().join(', ')}` });
      }
      const detail = taskTypeDetail(type);
      return {
        structured: { types: [detail as unknown as Record<string, unknown>], ...mcpServers },
        summary: `${type}: ${detail.description} Output: ${detail.output}`,
      };
    }
    const types = taskTypeSummaries();
    const functions = expressionFunctions();
    return {
      structured: { types: types as unknown as Record<string, unknown>[], functions, ...mcpServers },
      summary: `${types.length} task types: ${types.map((t) => t.type).join(', ')}; ${functions.length} expression functions. Call again with type for config schema and example.`,
    };
  },
});

/** Each configured server with its tools (name, description, inputSchema), or why they could not be read. */
async function mcpServerListing(catalog: McpServerCatalog | undefined): Promise<Record<string, unknown>[]> {
  if (!catalog) return [];
  return Promise.all(
    catalog.names().map(async (name) => {
      try {
        const tools = await catalog.tools(name, { timeoutMs: 5000 });
        return {
          name,
          tools: tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description.slice(0, 500) } : {}), inputSchema: t.inputSchema })),
        };
      } catch (error) {
        return { name, tools: [], unreachable: (error as Error).message.slice(0, 300) };
      }
    }),
  );
}

export const validateFlow = defineTool({
  name: 'validate_flow',
  title: 'Validate a flow',
  description: 'Checks a flow without saving; every problem with path and hint. Guide: weft://docs/flow-spec.',
  input: { flow: FlowTextField },
  output: { valid: z.boolean(), errors: z.array(Problem), warnings: z.array(Problem) },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ flow }, _call, ctx) {
    const parsed = checkFlow(flow);
    const errors = parsed.valid ? [] : parsed.problems;
    const warnings: z.infer<typeof Problem>[] = [];
    if (parsed.valid) {
      if (!parsed.flow.description) warnings.push({ path: 'description', message: 'is missing; a description helps people and agents find the flow' });
      for (const path of scriptTaskPaths(parsed.flow)) {
        if (!ctx.access.scriptsAllowed) warnings.push({ path, message: 'is a script task; this session may not save or run script tasks' });
      }
      if (ctx.services.limits) warnings.push(...(await ctx.services.limits.warnings(parsed.flow)));
      // Temporal is asked only about a flow with worker groups.
      if (neededQueues(parsed.flow).length) warnings.push(...(await ctx.services.runs.queueWarnings(parsed.flow)));
      const tools = await checkFlowTools(parsed.flow, toolCheckServices(ctx));
      errors.push(...tools.errors);
      warnings.push(...tools.warnings);
    }
    const valid = errors.length === 0;
    const summary = valid
      ? `valid${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''}`
      : `invalid: ${errors.length} problem${errors.length > 1 ? 's' : ''}; first: ${errors[0]?.path}: ${errors[0]?.message}`;
    return { structured: { valid, errors, warnings }, summary };
  },
});

/** The servers and flows a session's tool checks read, with what this caller may read. */
function toolCheckServices(ctx: ToolContext) {
  return {
    mcpServers: ctx.services.mcpServers,
    flows: ctx.services.flows,
    mayRead: (namespace: string) => namespaceAllowed(ctx.access, namespace),
    containerEngine: ctx.services.containerEngine,
  };
}

export const saveFlow = defineTool({
  name: 'save_flow',
  title: 'Save a flow',
  description: 'Saves a flow (validated first); a changed text makes a revision, else created: false. Guide: weft://docs/flow-spec.',
  input: { flow: FlowTextField, message: z.string().max(1000).optional().describe('What changed') },
  output: { flow: z.string(), revision: z.number(), created: z.boolean() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ flow, message }, _call, ctx) {
    const parsed = checkFlow(flow);
    if (parsed.valid) {
      checkFlowAccess(parsed.flow, ctx.access);
      // A flow trigger hands the upstream run's outputs to this flow: only a reader of the upstream may save one.
      assertUpstreamsReadable(parsed.flow, (namespace) => namespaceAllowed(ctx.access, namespace), `namespace ${ctx.access.namespace}`);
      // A server this process does not have, a tool it lacks, arguments that do not fit, or a
      // flow tool this caller cannot read are refused before saving.
      const tools = await checkFlowTools(parsed.flow, toolCheckServices(ctx));
      if (tools.errors.length) throw new FlowValidationError(tools.errors, 'flow');
    }
    const saved = await ctx.services.flows.save(flow, message);
    const warnings = parsed.valid ? await flowTriggerWarnings(ctx.services.flows, parsed.flow) : [];
    const done = saved.created ? `saved ${saved.flow} as revision ${saved.revision}` : `${saved.flow} unchanged (revision ${saved.revision})`;
    return {
      structured: saved,
      summary: [done, ...warnings.map((w) => `warning: ${w}`)].join('; '),
      audit: { flow: saved.flow },
    };
  },
});

export const listFlows = defineTool({
  name: 'list_flows',
  title: 'List flows',
  description: 'Finds flows by namespace or text, with revision and last run.',
  input: {
    namespace: z.string().max(128).optional(),
    search: z.string().max(200).optional(),
    cursor: CursorField.optional(),
    limit: limitField(100, 20).optional(),
  },
  output: {
    flows: z.array(
      z.object({
        flow: z.string(),
        kind: z.string(),
        description: z.string().optional(),
        revision: z.number(),
        updatedAt: z.string(),
        lastRun: z.object({ runId: z.string(), state: z.string(), startedAt: z.string() }).optional(),
      }),
    ),
    nextCursor: z.string().optional(),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ namespace, search, cursor, limit }, _call, ctx) {
    if (namespace && !namespaceAllowed(ctx.access, namespace)) {
      throw new AccessDeniedError(`namespace "${namespace}" is outside this API key's namespace`, `omit namespace or use "${ctx.access.namespace}"`);
    }
    const page = await ctx.services.flows.list({ namespace: namespace ?? ctx.access.namespace, search, cursor, limit: limit ?? 20 });
    const flows = await Promise.all(
      page.flows.map(async (f) => {
        const last = await ctx.services.runs.list({ flow: f.flow, limit: 1 }).catch(() => undefined);
        const run = last?.runs[0];
        return run ? { ...f, lastRun: { runId: run.runId, state: run.state, startedAt: run.startedAt } } : f;
      }),
    );
    const more = page.nextCursor ? '; more with nextCursor' : '';
    return { structured: { flows, nextCursor: page.nextCursor }, summary: `${flows.length} flow${flows.length === 1 ? '' : 's'}${more}` };
  },
});

export const getFlow = defineTool({
  name: 'get_flow',
  title: 'Get a flow',
  description: 'A flow’s source and metadata (any revision).',
  input: { flow: FlowRefField, revision: z.number().int().min(1).optional() },
  output: { flow: z.string(), revision: z.number(), yaml: z.string(), revisions: z.number(), updatedAt: z.string(), truncated: z.boolean().optional() },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ flow, revision }, _call, ctx) {
    checkFlowRefAccess(flow, ctx.access);
    const detail = await ctx.services.flows.get(flow, revision);
    const source = cutText(detail.yaml, FLOW_SOURCE_BYTES);
    return {
      structured: {
        flow: detail.flow,
        revision: detail.revision,
        yaml: source.text,
        revisions: detail.revisions,
        updatedAt: detail.updatedAt,
        ...(source.truncated ? { truncated: true } : {}),
      },
      summary: `${detail.flow} revision ${detail.revision} of ${detail.revisions}${source.truncated ? ` (source cut; read the resource weft://flows/${detail.flow})` : ''}`,
    };
  },
});

export const deleteFlow = defineTool({
  name: 'delete_flow',
  title: 'Delete a flow',
  description: 'Deletes a flow; its runs and revisions are kept.',
  input: { flow: FlowRefField },
  output: { deleted: z.boolean() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ flow }, _call, ctx) {
    checkFlowRefAccess(flow, ctx.access);
    const result = await ctx.services.flows.delete(flow);
    return { structured: result, summary: result.deleted ? `deleted ${flow}` : `${flow} was not in the catalog`, audit: { flow } };
  },
});

export const draftFlowTool = defineTool({
  name: 'draft_flow',
  title: 'Draft a flow',
  description: 'Drafts an unsaved, validated flow for a goal with the server’s model. Guide: weft://docs/flow-spec.',
  input: {
    goal: z.string().min(3).max(4000),
    model: z.string().max(200).optional().describe('provider/model'),
  },
  output: {
    valid: z.boolean(),
    flow: z.string(),
    errors: z.array(Problem),
    rounds: z.number(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
  },
  annotations: { readOnlyHint: true, openWorldHint: true },
  async run({ goal, model }, call, ctx) {
    if (!ctx.services.draft)
      throw new WeftError('DRAFT_UNAVAILABLE', 'this server has no model to draft with', {
        hint: 'write the flow yourself with list_task_types and validate_flow',
      });
    const draft = await ctx.services.draft(goal, model, call.signal);
    return {
      structured: { ...draft },
      summary: draft.valid
        ? `valid draft after ${draft.rounds} round(s); review it, then save_flow`
        : `draft still invalid after ${draft.rounds} rounds (${draft.errors.length} problems)`,
    };
  },
});

export const FLOW_TOOLS = [listTaskTypes, validateFlow, saveFlow, listFlows, getFlow, deleteFlow, draftFlowTool] as const;
