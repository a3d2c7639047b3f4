// zod pieces several task types share. The common task fields (id, when, retry, ...) are in
// ../spec/schemas.ts.

import { z } from 'zod';

export { DurationText, SingleExpression } from '../spec/schemas.js';

/** A nested task list; its tasks are validated one by one by the walker, not by this schema. */
export const TaskList = z.array(z.unknown()).min(1, 'must hold at least one task');

/** Header-, query- and env-like maps: text, numbers or booleans by name. */
export const TextMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
