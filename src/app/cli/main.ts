// The `weft` command line. Thin: each command parses its options and calls src/.

import { Command } from 'commander';
import { registerApiKeyCommand } from '../../adapters/cli/apikey-command.js';
import { registerAuditCommand } from '../../adapters/cli/audit-command.js';
import { registerCacheCommand } from '../../adapters/cli/cache-command.js';
import { registerFileCommand } from '../../adapters/cli/file-command.js';
import { registerFlowCommands } from '../../adapters/cli/flow-commands.js';
import { registerLimitCommand } from '../../adapters/cli/limit-command.js';
import { runCommand } from '../../adapters/cli/output.js';
import { registerRunCommand } from '../../adapters/cli/run-command.js';
import { registerSecretCommand } from '../../adapters/cli/secret-command.js';
import { registerTriggerCommand } from '../../adapters/cli/trigger-command.js';
import { cliConfig } from '../../adapters/cli/with-services.js';
import { loadWeftModules } from '../../services/code-flows/load-modules.js';
import { WEFT_VERSION } from '../../services/config/version.js';
import { registerDevCommand } from './dev-command.js';
import { registerMcpCommand } from './mcp-command.js';
import { registerServerCommand } from './server-command.js';
import { registerWorkerCommand } from './worker-command.js';

const program = new Command('weft')
  .description('Durable workflows for AI assistants, on Temporal')
  .version(WEFT_VERSION)
  .showHelpAfterError('(run weft --help for usage)');
registerDevCommand(program);
registerServerCommand(program);
registerWorkerCommand(program);
registerFlowCommands(program);
registerRunCommand(program);
registerSecretCommand(program);
registerLimitCommand(program);
registerFileCommand(program);
registerMcpCommand(program);
registerApiKeyCommand(program);
registerAuditCommand(program);
registerCacheCommand(program);
registerTriggerCommand(program);
// Task types from WEFT_MODULES must be known before any command validates a flow; reading the
// configuration here also stops every command at once on a malformed setting.
await runCommand({ json: process.argv.includes('--json') }, async () => {
  await loadWeftModules(cliConfig().modules);
  return 0;
});
if (process.exitCode === 1) process.exit(1);
await program.parseAsync(process.argv);
// A command is done here. Should a native handle (say, of a Temporal SDK component that failed
// to start) keep the event loop alive, leave anyway once output has had time to drain.
setTimeout(() => process.exit(), 2000).unref();
