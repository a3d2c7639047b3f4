// The example Weft module: one code flow, its activities, and a custom task type that YAML
// flows can use. Load it with WEFT_MODULES=examples/code-flows/weft-module.ts.

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineCodeFlow, defineTaskType, defineWeftModule } from '../../src/services/code-flows/weft-module.js';
import * as activities from './activities.js';

export const orderReport = defineCodeFlow({
  namespace: 'examples',
  id: 'order-report',
  description: 'Totals the orders of a day and asks before publishing the report (a code flow)',
  workflowType: 'orderReport',
  input: z.object({
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-11-23')
      .describe('Day to report on'),
    minimum: z.number().int().min(0).optional(),
  }),
  output: z.object({ day: z.string(), orders: z.number(), total: z.number(), approved: z.boolean() }),
});

export const slugify = defineTaskType({
  name: 'slugify',
  description: 'Turns a title into a URL slug.',
  config: { text: z.string().min(1).max(10_000), maxLength: z.number().int().min(1).max(200).optional() },
  output: '{ slug }',
  example: { id: 'slug', type: 'slugify', text: '{{ inputs.title }}', maxLength: 40 },
  async run(config, context) {
    const slug = config.text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, config.maxLength ?? 80);
    await context.log(`slug for "${config.text}" is ${slug}`);
    return { slug };
  },
});

export default defineWeftModule({
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities,
  flows: [orderReport],
  taskTypes: [slugify],
});
