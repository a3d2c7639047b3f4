// Tools for flows' triggers: list_triggers (state, next fire times, daylight-saving warnings; one
// flow's, or a page of every flow's the caller may see) and operate_trigger (pause, resume,
// preview, backfill). Triggers are written in the flow and saved with save_flow; these only
// operate them.

import { z } from 'zod';
import { WeftError } from '../../src/core/errors.js';
import { OVERLAP_POLICIES } from '../../src/core/spec/triggers.js';
import { MAX_TRIGGER_PAGE } from '../../src/services/triggers/trigger-pages.js';
import type { TriggerService } from '../../src/services/triggers/trigger-service.js';
import { defineTool, type ToolContext } from '../tool-registry.js';
import { checkFlowRefAccess } from './flow-tools.js';
import { CursorField, FlowRefField } from './tool-fields.js';

/** Thrown when this server has no trigger service (no Temporal service behind it). */
export class TriggersUnavailableError extends WeftError {
  constructor() {
    super('TRIGGERS_UNAVAILABLE', 'triggers are not served by this MCP server: it has no Temporal service behind it', {
      hint: 'use the MCP endpoint of weft server or weft dev',
    });
  }
}

function triggersOf(ctx: ToolContext): TriggerService {
  if (!ctx.services.triggers) throw new TriggersUnavailableError();
  return ctx.services.triggers;
}

const TriggerView = z.object({
  // Only in a listing of every flow (no flow argument): which flow the trigger belongs to.
  flow: z.string().optional(),
  id: z.string(),
  type: z.string(),
  enabled: z.boolean(),
  paused: z.boolean(),
  nextFires: z.array(z.string()).optional(),
  lastFire: z.object({ scheduledAt: z.string(), runId: z.string() }).optional(),
  warnings: z.array(z.string()).optional(),
});

export const listTriggers = defineTool({
  name: 'list_triggers',
  title: 'List triggers',
  description: 'A flow’s triggers, or all flows’ (paged): paused, next fires, last fire, warnings.',
  // limit is left undescribed (default DEFAULT_TRIGGER_PAGE, said in docs/mcp.md): the tool list has a byte budget.
  input: { flow: FlowRefField.optional(), cursor: CursorField.optional(), limit: z.number().int().min(1).max(MAX_TRIGGER_PAGE).optional() },
  output: { triggers: z.array(TriggerView), nextCursor: z.string().optional() },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ flow, cursor, limit }, _call, ctx) {
    let listed: { triggers: Array<z.infer<typeof TriggerView> & { scheduleId?: string }>; nextCursor?: string };
    if (flow) {
      checkFlowRefAccess(flow, ctx.access);
      listed = { triggers: await triggersOf(ctx).list(flow) };
    } else {
      // A namespace-bound caller sees its namespace's flows only.
      const namespace = ctx.access.namespace;
      listed = await triggersOf(ctx).listAll({ ...(namespace !== undefined ? { namespace } : {}), ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
    }
    const triggers = listed.triggers.map(({ scheduleId: _id, ...view }) => view);
    const paused = triggers.filter((t) => t.paused).length;
    const more = listed.nextCursor ? '; more with nextCursor' : '';
    return {
      structured: { triggers, ...(listed.nextCursor ? { nextCursor: listed.nextCursor } : {}) },
      summary: `${triggers.length} trigger${triggers.length === 1 ? '' : 's'}${paused ? `, ${paused} paused` : ''}${more}`,
    };
  },
});

export const operateTrigger = defineTool({
  name: 'operate_trigger',
  title: 'Operate a trigger',
  description: 'Pause, resume, preview or backfill (a run per past fire in [from, to], ISO; dryRun counts) a schedule.',
  input: {
    flow: FlowRefField,
    triggerId: z.string().min(1).max(64),
    action: z.enum(['pause', 'resume', 'preview', 'backfill']),
    // ISO 8601 times, said once in the description: the tool list has a byte budget.
    from: z.string().max(64).optional(),
    to: z.string().max(64).optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    dryRun: z.boolean().optional(),
    count: z.number().int().min(1).max(100).optional(),
  },
  output: {
    trigger: z.object({
      id: z.string(),
      paused: z.boolean().optional(),
      fires: z.array(z.object({ at: z.string(), local: z.string() })).optional(),
      warnings: z.array(z.string()).optional(),
    }),
    backfill: z.object({ runs: z.number(), started: z.boolean() }).optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  async run(args, _call, ctx) {
    checkFlowRefAccess(args.flow, ctx.access);
    const triggers = triggersOf(ctx);
    const { flow, triggerId, action } = args;
    if (action === 'pause' || action === 'resume') {
      await (action === 'pause' ? triggers.pause(flow, triggerId) : triggers.resume(flow, triggerId));
      return {
        structured: { trigger: { id: triggerId, paused: action === 'pause' } },
        summary: `${flow} trigger ${triggerId} ${action === 'pause' ? 'paused' : 'resumed'}`,
      };
    }
    if (action === 'preview') {
      const preview = await triggers.preview(flow, triggerId, args.count ?? 10);
      const warnings = preview.warnings.map((w) => w.message);
      return {
        structured: { trigger: { id: triggerId, fires: preview.fires, ...(warnings.length ? { warnings } : {}) } },
        summary: `next ${preview.fires.length} fires in ${preview.timezone}${warnings.length ? `; ${warnings.length} daylight-saving warning(s)` : ''}`,
      };
    }
    if (!args.from || !args.to)
      throw new WeftError('TRIGGER_ACTION_INVALID', 'backfill needs from and to (ISO 8601 times)', {
        hint: 'e.g. from: 2026-12-01T00:00:00Z, to: 2026-12-02T00:00:00Z; dryRun: true to count first',
      });
    const result = await triggers.backfill(flow, triggerId, {
      from: parseTime(args.from, 'from'),
      to: parseTime(args.to, 'to'),
      ...(args.overlap ? { overlap: args.overlap } : {}),
      ...(args.dryRun ? { dryRun: true } : {}),
    });
    return {
      structured: { trigger: { id: triggerId }, backfill: { runs: result.runs, started: result.started } },
      summary: result.started ? `backfill started ${result.runs} run(s)` : `backfill would start ${result.runs} run(s)`,
    };
  },
});

function parseTime(text: string, field: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new WeftError('TRIGGER_ACTION_INVALID', `${field} is not an ISO 8601 time (got ${JSON.stringify(text)})`, { hint: 'e.g. 2026-12-01T06:00:00Z' });
  return at;
}

export const TRIGGER_TOOLS = [listTriggers, operateTrigger] as const;
