// Input fields several tools share, bounded and described once.

import { z } from 'zod';
import { FLOW_LIMITS } from '../../src/core/spec/limits.js';

export const FlowRefField = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[^/\s]+\/[^/\s]+$/, 'must be "namespace/id", e.g. "default/hello"')
  .describe('Flow "namespace/id"');

export const FlowTextField = z.string().min(1).max(FLOW_LIMITS.maxDocumentBytes).describe('Flow document, YAML or JSON');

export const RunIdField = z.string().min(1).max(300).describe('Run id');

export const CursorField = z.string().max(4096).describe('nextCursor of the previous page');

export const limitField = (max: number, fallback: number) => z.number().int().min(1).max(max).describe(`Page size (default ${fallback})`);

export const WaitSecondsField = z.number().min(0).max(50).describe('Wait up to this many seconds (max 50) for the run to end');

export const IterationField = z.array(z.number().int().min(0)).max(32).describe('Foreach iteration path, e.g. [3]');

export const TimeField = z.string().max(64).describe('ISO 8601 time');
