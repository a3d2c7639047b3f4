// `weft flow validate FILE` and `weft flow schema`.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FlowValidationError, type ValidationProblem, WeftError } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/spec/document-bounds.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowJsonSchema } from '../../core/spec/json-schema.js';
import { checkFlow, type FlowService } from '../../services/flow-service.js';
import { checkFlowTools, type ToolCheckProblems, usesTools } from '../../services/flows/tool-checks.js';
import { neededQueues } from '../../services/runs/queue-workers.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import type { ServicesContext } from '../../services/services-context.js';
import { registerDraftCommand } from './draft-command.js';
import { printResult, progress, runCommand } from './output.js';
import { registerRegisterCommand } from './register-command.js';
import { terminalText } from './terminal-text.js';
import { withServices } from './with-services.js';

export async function readFlowFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new WeftError('FILE_UNREADABLE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the path of a .yaml or .json flow file',
    });
  }
  // Decoding with 'utf8' would turn bad bytes into U+FFFD silently; name the byte instead.
  const decoded = decodeUtf8(bytes, 'the file');
  if ('problem' in decoded) throw new FlowValidationError([decoded.problem], file);
  return decoded.text;
}

/**
 * The checks validate_flow and save_flow make with the MCP servers and saved flows at hand,
 * against this command's own WEFT_MCP_SERVERS and store; the CLI is the local user, who may
 * read every namespace. A flow with no mcp or agent task opens nothing.
 */
async function toolProblems(ctx: ServicesContext | undefined, flow: FlowSpec): Promise<ToolCheckProblems> {
  if (!usesTools(flow)) return { errors: [], warnings: [] };
  const check = async (services: ServicesContext) =>
    checkFlowTools(flow, {
      mcpServers: await services.mcpServers(),
      flows: await services.flows(),
      mayRead: () => true,
      containerEngine: services.config.script.containerEngine,
    });
  return ctx ? check(ctx) : withServices(check);
}

/**
 * Warnings for the flow's named queues that no worker polls, from this command's Temporal; a flow
 * without worker groups reaches nothing, and a Temporal that does not answer is a warning too.
 */
async function queueProblems(flow: FlowSpec): Promise<ValidationProblem[]> {
  if (neededQueues(flow).length === 0) return [];
  return withServices(async (services) => (await services.runs()).queueWarnings(flow)).catch((error: unknown) => [
    { path: 'queue', message: `the workers of the flow's queues could not be checked: ${(error as Error).message.split('\n')[0]}` },
  ]);
}

interface SaveOptions {
  message?: string;
  dryRun?: boolean;
  prune?: boolean;
  json?: boolean;
}

async function saveFlows(ctx: ServicesContext, path: string, options: SaveOptions): Promise<number> {
  const files = (await stat(path).catch(() => undefined))?.isDirectory()
    ? (await readdir(path))
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const parsed = await Promise.all(files.map(async (file) => ({ file, text: await readFlowFile(file) })));
  const checked = parsed.map(({ file, text }) => ({ file, text, result: checkFlow(text) }));
  const problems = checked.flatMap(({ file, result }) =>
    result.valid ? [] : result.problems.map((p) => ({ ...p, message: `${file}${p.line ? `:${p.line}` : ''}: ${p.message}` })),
  );
  for (const { file, result } of checked) {
    if (!result.valid) continue;
    const mcp = await toolProblems(ctx, result.flow);
    problems.push(...mcp.errors.map((p) => ({ ...p, message: `${file}: ${p.message}` })));
    for (const warning of mcp.warnings) progress(`warning: ${file}: ${warning.path}: ${warning.message}`);
  }
  if (problems.length) throw new FlowValidationError(problems, files.length > 1 ? path : (files[0] ?? path));
  const specs = checked.flatMap(({ result }) => (result.valid ? [result.flow] : []));
  const flows = options.dryRun ? await ctx.flows() : await flowsKeepingSchedules(ctx, specs, options.prune === true);
  const saved: Array<{ flow: string; revision?: number; created: boolean }> = [];
  const refs = new Set<string>();
  for (const { text, result } of checked) {
    if (!result.valid) continue;
    const { flow } = result;
    refs.add(`${flow.namespace}/${flow.id}`);
    if (options.dryRun) {
      const current = await flows.get(`${flow.namespace}/${flow.id}`).catch(() => undefined);
      saved.push({ flow: `${flow.namespace}/${flow.id}`, created: current?.yaml !== text });
    } else saved.push(await flows.save(text, options.message));
  }
  const deleted: string[] = [];
  if (options.prune && files.length !== 1) {
    for (const namespace of new Set([...refs].map((r) => r.split('/')[0] ?? ''))) {
      for (const existing of (await flows.list({ namespace, limit: 200 })).flows) {
        if (refs.has(existing.flow)) continue;
        if (!options.dryRun) await flows.delete(existing.flow);
        deleted.push(existing.flow);
      }
    }
  }
  printResult(options, { saved, deleted, dryRun: options.dryRun === true }, () =>
    [
      ...saved.map((s) => `${s.created ? (options.dryRun ? 'would save' : 'saved') : 'unchanged'} ${s.flow}${s.revision ? ` rev ${s.revision}` : ''}`),
      ...deleted.map((d) => `${options.dryRun ? 'would delete' : 'deleted'} ${d}`),
    ].join('\n'),
  );
  return 0;
}

/**
 * The flow service for a save or delete. When a flow involved has triggers (in the file or in its
 * saved revision, or any flow a prune may delete), its Temporal Schedules follow at once through the
 * trigger service; a Temporal service that does not answer leaves that to the server, which brings
 * store and Schedules in line when it starts, and the command says so. Flows without triggers never
 * wait for Temporal.
 */
async function flowsKeepingSchedules(ctx: ServicesContext, specs: FlowSpec[], prune: boolean, refs: string[] = []): Promise<FlowService> {
  const flows = await ctx.flows();
  const saved = await Promise.all(
    [...refs, ...specs.map((spec) => `${spec.namespace}/${spec.id}`)].map((ref) =>
      flows.get(ref).then(
        (detail) => detail.spec,
        () => undefined,
      ),
    ),
  );
  const hasTriggers = (spec: FlowSpec | undefined) => (spec?.triggers?.length ?? 0) > 0;
  if (!prune && !specs.some(hasTriggers) && !saved.some(hasTriggers)) return flows;
  try {
    await ctx.triggers();
  } catch (error) {
    progress(`the flows are saved, but their schedules follow when \`weft server\` or \`weft dev\` starts: ${(error as Error).message.split('\n')[0]}`);
  }
  return flows;
}

function pick<T extends object, K extends keyof T>(options: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

export function registerFlowCommands(program: Command): void {
  const flow = program.command('flow').description('validate, save, list, show, export, delete and draft flows');
  registerDraftCommand(flow);
  registerRegisterCommand(flow);
  flow
    .command('validate <file>')
    .description('check a flow file against the spec; lists every problem at once')
    .option('--json', 'print { valid, errors: [{ path, message, hint, line }], warnings? }')
    .action((file: string, options: { json?: boolean }) =>
      runCommand(options, async () => {
        const parsed = checkFlow(await readFlowFile(file));
        const checked = parsed.valid ? await toolProblems(undefined, parsed.flow) : { errors: [], warnings: [] };
        const mcp = { ...checked, warnings: [...checked.warnings, ...(parsed.valid ? await queueProblems(parsed.flow) : [])] };
        const errors = parsed.valid ? mcp.errors : parsed.problems;
        const valid = errors.length === 0;
        const hinted = (p: { message: string; hint?: string }) => `${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
        // Schema problems carry their line and say their path; the servers' name the path here.
        const lines = parsed.valid
          ? mcp.errors.map((p) => `${file}: ${p.path}: ${hinted(p)}`)
          : parsed.problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${hinted(p)}`);
        printResult(options, { valid, errors, ...(mcp.warnings.length ? { warnings: mcp.warnings } : {}) }, () =>
          [
            ...(valid && parsed.valid ? [`${file}: valid (${parsed.flow.namespace}/${parsed.flow.id})`] : lines),
            ...mcp.warnings.map((w) => `warning: ${file}: ${w.path}: ${hinted(w)}`),
          ].join('\n'),
        );
        return valid ? 0 : 1;
      }),
    );
  flow
    .command('save <path>')
    .description('save a flow file, or sync a directory of flow files, as new revisions')
    .option('-m, --message <text>', 'a note stored with the revision')
    .option('--dry-run', 'say what would change without saving')
    .option('--prune', 'with a directory: delete saved flows of its namespaces that have no file')
    .option('--json', 'print { saved: [{ flow, revision, created }], deleted: [...] }')
    .action((path: string, options: SaveOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) =>
          options.dryRun
            ? saveFlows(ctx, path, options)
            : auditedCommand(
                () => ctx.audit(),
                { tool: 'save_flow', arguments: { path, ...(options.message ? { message: options.message } : {}), ...(options.prune ? { prune: true } : {}) } },
                async () => saveFlows(ctx, path, options),
              ),
        ),
      ),
    );
  flow
    .command('list')
    .description('list saved flows')
    .option('--namespace <ns>', 'only this namespace')
    .option('--search <text>', 'match id, namespace or description')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .option('--json', 'print { flows, nextCursor }')
    .action((options: { namespace?: string; search?: string; limit: string; cursor?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const page = await (await ctx.flows()).list({ ...pick(options, ['namespace', 'search', 'cursor']), limit: Number(options.limit) });
          printResult(
            options,
            page,
            () =>
              [
                ...page.flows.map((f) => terminalText(`${f.flow.padEnd(40)} rev ${String(f.revision).padEnd(4)} ${f.description ?? ''}`)),
                ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
              ].join('\n') || 'no flows',
          );
          return 0;
        }),
      ),
    );
  flow
    .command('show <flow>')
    .description('show a saved flow (namespace/id) and its revision')
    .option('--revision <n>', 'a past revision')
    .option('--json', 'print { flow, revision, yaml, revisions, updatedAt }')
    .action((ref: string, options: { revision?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { spec: _spec, ...detail } = await (await ctx.flows()).get(ref, options.revision ? Number(options.revision) : undefined);
          printResult(
            options,
            detail,
            () => `# ${detail.flow} revision ${detail.revision} of ${detail.revisions}, updated ${detail.updatedAt}\n${detail.yaml.trimEnd()}`,
          );
          return 0;
        }),
      ),
    );
  flow
    .command('export <flow>')
    .description('print the source of a saved flow, to keep it in Git')
    .option('--revision <n>', 'a past revision')
    .action((ref: string, options: { revision?: string }) =>
      runCommand({}, () =>
        withServices(async (ctx) => {
          process.stdout.write((await (await ctx.flows()).get(ref, options.revision ? Number(options.revision) : undefined)).yaml);
          return 0;
        }),
      ),
    );
  flow
    .command('delete <flow>')
    .description('delete a saved flow (its runs are kept)')
    .option('--json', 'print { deleted }')
    .action((ref: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const result = await auditedCommand(
            () => ctx.audit(),
            { tool: 'delete_flow', arguments: { flow: ref }, flow: ref },
            async () => (await flowsKeepingSchedules(ctx, [], false, [ref])).delete(ref),
            (r) => ({ summary: r.deleted ? `deleted ${ref}` : `${ref} was not saved` }),
          );
          printResult(options, result, () => (result.deleted ? `deleted ${ref}` : `${ref} was not saved`));
          return result.deleted ? 0 : 1;
        }),
      ),
    );
  flow
    .command('schema')
    .description('print the JSON Schema of the flow spec')
    .action(() =>
      runCommand({ json: true }, async () => {
        process.stdout.write(`${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
        return 0;
      }),
    );
}
