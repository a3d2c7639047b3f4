// Tools for named limits: list_limits (sizes, with the runs holding and waiting) and set_limit
// (admin: a limit is shared by every namespace). Slots live in keeper workflows (docs/limits.md).

import { z } from 'zod';
import { WeftError } from '../../src/core/errors.js';
import type { LimitService } from '../../src/services/limits/limit-service.js';
import { defineTool, type ToolContext } from '../tool-registry.js';

/** Thrown when this server has no limit service behind it. */
export class LimitsUnavailableError extends WeftError {
  constructor() {
    super('LIMITS_UNAVAILABLE', 'limits are not served by this MCP server: it has no store behind it', {
      hint: 'use the MCP endpoint of weft server or weft dev',
    });
  }
}

function limitsOf(ctx: ToolContext): LimitService {
  if (!ctx.services.limits) throw new LimitsUnavailableError();
  return ctx.services.limits;
}

const LimitName = z.string().min(1).max(64);

const LimitView = z.object({ name: z.string(), limit: z.number().nullable(), inUse: z.number(), waiting: z.number(), holders: z.array(z.string()) });

export const listLimits = defineTool({
  name: 'list_limits',
  title: 'List limits',
  description: 'Named limits with slots in use, holders and waiters.',
  input: { name: LimitName.optional() },
  output: { limits: z.array(LimitView) },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ name }, _call, ctx) {
    const limits = (await limitsOf(ctx).list(name)).map(({ waiters: _w, ...view }) => view);
    return {
      structured: { limits },
      summary: limits.map((l) => `${l.name}: ${l.inUse}/${l.limit ?? '∞'} in use, ${l.waiting} waiting`).join('; ') || 'no limits set',
    };
  },
});

export const setLimit = defineTool({
  name: 'set_limit',
  title: 'Set a limit',
  description: 'Sets (limit) or removes (remove: true) a named limit shared by all runs.',
  input: { name: LimitName, limit: z.number().int().min(1).max(10_000).optional(), remove: z.boolean().optional() },
  output: { limit: LimitView.nullable() },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ name, limit, remove }, _call, ctx) {
    const service = limitsOf(ctx);
    if (remove) {
      await service.remove(name);
      return { structured: { limit: null }, summary: `removed limit ${name}: it is unlimited now` };
    }
    if (limit === undefined) throw new InvalidLimitArgumentsError(name);
    const { waiters: _w, ...view } = await service.set(name, limit);
    return { structured: { limit: view }, summary: `limit ${name} is ${limit}` };
  },
});

/** Thrown when set_limit gets neither a limit nor remove. */
export class InvalidLimitArgumentsError extends WeftError {
  constructor(name: string) {
    super('INVALID_LIMIT', `set_limit for ${name} needs limit (an integer from 1 to 10000) or remove: true`);
  }
}

export const LIMIT_TOOLS = [listLimits, setLimit] as const;
