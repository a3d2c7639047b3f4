// Input fields several tools share, bounded and described once.

import { z } from 'zod';
import { FLOW_LIMITS } from '../../src/core/spec/limits.js';

export const FlowRefField = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[^/\s]+\/[^/\s]+$/, 'must be "namespace/id", e.g. "default/hello"')
  .describe('namespace/id');

export const FlowTextField = z.string().min(1).max(FLOW_LIMITS.maxDocumentBytes).describe('YAML or JSON');

export const RunIdField = z.string().min(1).max(300);

// Undescribed: every list answers a nextCursor, and the tool list has a byte budget.
export const CursorField = z.string().max(4096);

export const limitField = (max: number, fallback: number) => z.number().int().min(1).max(max).describe(`Default ${fallback}`);

// Described by the tools that take it (run_flow, get_run): the tool list has a byte budget.
export const WaitSecondsField = z.number().min(0).max(50);

export const IterationField = z.array(z.number().int().min(0)).max(32).describe('Foreach path');

export const TimeField = z.string().max(64).describe('ISO 8601 time');
