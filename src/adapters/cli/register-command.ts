// `weft flow register FILE`: exposes existing Temporal workflow types (listed in a YAML or JSON
// file) in Weft's catalog, so they can be started and inspected like flows.

import type { Command } from 'commander';
import { registerExistingWorkflows } from '../../services/code-flows/code-flow-catalog.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import { printResult, runCommand } from './output.js';
import { withServices } from './with-services.js';

export function registerRegisterCommand(flow: Command): void {
  flow
    .command('register <file>')
    .description('add existing Temporal workflow types to the catalog (workflows: [{ id, workflowType, taskQueue, inputSchema }])')
    .option('--json', 'print { registered: [{ flow, revision, created }] }')
    .action((file: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const registered = await auditedCommand(
            () => ctx.audit(),
            { tool: 'register_flow', arguments: { file } },
            async () => registerExistingWorkflows(await ctx.database(), file),
            (r) => ({ summary: `registered ${r.map((x) => x.flow).join(', ')}` }),
          );
          printResult(options, { registered }, () =>
            registered.map((r) => `${r.flow}: ${r.created ? `registered as revision ${r.revision}` : `unchanged (revision ${r.revision})`}`).join('\n'),
          );
          return 0;
        }),
      ),
    );
}
