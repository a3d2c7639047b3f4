// The `weft` command line. Thin: each command parses its options and calls src/.

import { Command } from 'commander';
import { registerApiKeyCommand } from '../../adapters/cli/apikey-command.js';
import { registerAuditCommand } from '../../adapters/cli/audit-command.js';
import { registerFlowCommands } from '../../adapters/cli/flow-commands.js';
import { runCommand } from '../../adapters/cli/output.js';
import { registerRunCommand } from '../../adapters/cli/run-command.js';
import { registerSecretCommand } from '../../adapters/cli/secret-command.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { registerDevCommand } from './dev-command.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerServerCommand } from './server-command.js';
import { registerWorkerCommand } from './worker-command.js';

const program = new Command('weft')
  .description('Durable workflows for AI assistants, on Temporal')
  .version('0.1.0')
  .showHelpAfterError('(run weft --help for usage)');
registerDevCommand(program);
registerServerCommand(program);
registerWorkerCommand(program);
registerFlowCommands(program);
registerRunCommand(program);
registerSecretCommand(program);
registerMcpCommand(program);
registerApiKeyCommand(program);
registerAuditCommand(program);
// Task types from WEFT_MODULES must be known before any command validates a flow.
await runCommand({ json: process.argv.includes('--json') }, async () => {
  await loadWeftModules();
  return 0;
});
if (process.exitCode === 1) process.exit(1);
await program.parseAsync(process.argv);
// A command is done here. Should a native handle (say, of a Temporal SDK component that failed
// to start) keep the event loop alive, leave anyway once output has had time to drain.
setTimeout(() => process.exit(), 2000).unref();
