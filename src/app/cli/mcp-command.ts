// `weft mcp`: the MCP server for AI assistants. On stdio (what desktop assistants and IDEs
// launch) stdout carries protocol messages only; everything else goes to stderr. With --http
// it serves Streamable HTTP instead.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { accessFor } from '../../../mcp/access.js';
import { buildServer } from '../../../mcp/build-server.js';
import { serveMcpHttp } from '../../../mcp/serve-http.js';
import type { McpServices } from '../../../mcp/services.js';
import { progress, runCommand } from '../../adapters/cli/output.js';
import { ConfigError } from '../../core/errors.js';
import { dataDir } from '../../services/config/paths.js';
import { createDrafter } from '../../services/llm/flow-drafter.js';
import { loadPrompts } from '../../services/prompts/prompt-library.js';
import { secretsFromEnv } from '../../services/secrets/secret-source.js';
import { layeredSecrets } from '../../services/secrets/secret-store.js';
import { ApiKeyService } from '../../services/security/api-keys.js';
import { AuditLog } from '../../services/security/audit-log.js';
import { knownSecretValues } from '../../services/security/audit-redaction.js';
import { AuditWriter } from '../../services/security/audit-writer.js';
import { LOCAL } from '../../services/security/principal.js';
import { ServicesContext } from '../../services/services-context.js';
import { ensureBackgroundService } from '../server/background-service.js';

interface McpOptions {
  http?: boolean;
  host: string;
  port: string;
  readOnly?: boolean;
  disableTool: string[];
  auth?: boolean;
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve the MCP tools to an AI assistant (stdio by default, --http for Streamable HTTP)')
    .option('--http', 'serve Streamable HTTP instead of stdio')
    .option('--host <host>', 'HTTP bind address', '127.0.0.1')
    .option('--port <port>', 'HTTP port', '8765')
    .option('--read-only', 'expose only the tools that read')
    .option('--disable-tool <name...>', 'switch off tools by name', [])
    .option('--auth', 'require API keys on loopback too (always required on other addresses)')
    .action((options: McpOptions) => runCommand({}, () => serveMcp(options)));
}

/**
 * With no Temporal server configured, share the data directory's background service (started
 * now if none runs), so one line of client config is enough and runs outlive the assistant.
 */
async function useBackgroundServiceUnlessConfigured(): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS || process.env.TEMPORAL_PROFILE) return;
  const record = await ensureBackgroundService(dataDir(), progress);
  process.env.TEMPORAL_ADDRESS = record.temporalAddress;
  process.env.TEMPORAL_NAMESPACE ??= record.namespace;
  process.env.WEFT_TASK_QUEUE ??= record.taskQueue;
  if (record.uiUrl) process.env.WEFT_UI_URL ??= record.uiUrl;
}

async function serveMcp(options: McpOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a port number 0-65535 (got ${options.port})`);
  await useBackgroundServiceUnlessConfigured();
  const context = new ServicesContext();
  let audit: AuditWriter | undefined;
  try {
    const drafter = createDrafter(layeredSecrets(await context.secrets(), secretsFromEnv()));
    const services: McpServices = {
      flows: await context.flows(),
      runs: await context.runs(),
      logs: await context.logs(),
      draft: (goal, model, signal) => drafter(goal, model, signal),
    };
    const prompts = await loadPrompts();
    const store = await context.database();
    const secretStore = await context.secrets();
    audit = new AuditWriter(new AuditLog(store, { secretValues: knownSecretValues(secretStore) }), progress);
    if (!options.http) {
      const access = accessFor(LOCAL, { readOnly: options.readOnly, disabledTools: options.disableTool, audit: { writer: audit, transport: 'stdio' } });
      const server = buildServer(services, access, prompts);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = resolve;
        process.stdin.once('end', resolve);
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.connect(transport);
      await closed;
      await server.close().catch(() => undefined);
      return 0;
    }
    const http = await serveMcpHttp({
      host: options.host,
      port,
      auth: options.auth,
      readOnly: options.readOnly,
      disabledTools: options.disableTool,
      keys: new ApiKeyService(store),
      audit,
      services,
      prompts,
      log: progress,
    });
    progress(`weft mcp: Streamable HTTP at ${http.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await http.close();
    return 0;
  } finally {
    // Records of the last calls may still be queued; they go before the store closes.
    await audit?.flush();
    await context.close();
  }
}
