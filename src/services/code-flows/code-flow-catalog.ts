// Code flows and existing Temporal workflow types in the flow catalog: registered into the
// store with their input JSON Schema (derived from zod for code flows, given in the config
// file for existing workflows), so every process lists, describes and validates them alike.

import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { FlowService, type WorkflowTarget } from '../flow-service.js';
import type { Store } from '../store/database.js';
import type { WeftModule } from './weft-module.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be lowercase letters, digits, _ and -');
const Namespace = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}$/, 'must be lowercase letters, digits, ., _ and -');

/** One entry of an existing-workflows file. */
export const ExistingWorkflowEntry = z.strictObject({
  namespace: Namespace.default('default'),
  id: Name,
  description: z.string().max(2000).optional(),
  workflowType: z.string().min(1).max(200),
  taskQueue: z.string().min(1).max(200),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Start the workflow with these input fields as positional arguments instead of one object. */
  argOrder: z.array(z.string()).max(20).optional(),
});

export const ExistingWorkflowsFile = z.strictObject({ workflows: z.array(ExistingWorkflowEntry).min(1).max(1000) });

/** Registers the code flows of Weft modules (run on `taskQueue`, the Weft worker's). */
export async function registerCodeFlows(store: Store, modules: readonly WeftModule[], taskQueue: string): Promise<void> {
  const flows = new FlowService(store);
  for (const module of modules) {
    for (const flow of module.flows ?? []) {
      await flows.register({
        kind: 'code',
        namespace: flow.namespace,
        id: flow.id,
        ...(flow.description ? { description: flow.description } : {}),
        workflowType: flow.workflowType,
        taskQueue,
        inputSchema: jsonSchemaOf(flow.input),
        ...(flow.output ? { outputSchema: jsonSchemaOf(flow.output) } : {}),
      });
    }
  }
}

/** Reads an existing-workflows file (YAML or JSON) and registers every entry. */
export async function registerExistingWorkflows(store: Store, file: string): Promise<Array<{ flow: string; revision: number; created: boolean }>> {
  let document: unknown;
  try {
    document = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `cannot read ${file}: ${(error as Error).message.split('\n')[0]}`,
      'give a YAML file with workflows: [{ id, workflowType, taskQueue, ... }]',
    );
  }
  const parsed = ExistingWorkflowsFile.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`, 'each entry needs id, workflowType and taskQueue');
  }
  const flows = new FlowService(store);
  const out = [];
  for (const entry of parsed.data.workflows) {
    const target: WorkflowTarget = { kind: 'temporal', ...entry };
    out.push(await flows.register(target));
  }
  return out;
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}
