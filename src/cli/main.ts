// The `weft` command line. Thin: each command parses its options and calls src/.

import { Command } from 'commander';
import { loadWeftModules } from '../code-flows/load-modules.js';
import { registerApiKeyCommand } from './commands/apikey-command.js';
import { registerAuditCommand } from './commands/audit-command.js';
import { registerDevCommand } from './commands/dev-command.js';
import { registerFlowCommands } from './commands/flow-commands.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerRunCommand } from './commands/run-command.js';
import { registerSecretCommand } from './commands/secret-command.js';
import { registerServerCommand } from './commands/server-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { runCommand } from './output.js';

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
