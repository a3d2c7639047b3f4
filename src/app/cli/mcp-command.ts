// `weft mcp`: the MCP server for AI assistants. On stdio (what desktop assistants and IDEs
// launch) stdout carries protocol messages only; everything else goes to stderr. With --http
// it serves Streamable HTTP instead, with webhooks, the JSON API and the console beside it.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { accessFor } from '../../../mcp/access.js';
import { buildServer } from '../../../mcp/build-server.js';
import { GuardedTransport } from '../../../mcp/request-guard.js';
import { serveMcpHttp } from '../../../mcp/serve-http.js';
import { mcpServices } from '../../../mcp/services.js';
import { progress, runCommand } from '../../adapters/cli/output.js';
import { cliConfig } from '../../adapters/cli/with-services.js';
import { API_PREFIX } from '../../adapters/http/api/api-routes.js';
import { ConfigError } from '../../core/errors.js';
import { type WeftConfig, withTemporalService } from '../../services/config/weft-config.js';
import { loadPrompts } from '../../services/prompts/prompt-library.js';
import { ApiKeyService } from '../../services/security/api-keys.js';
import { AuditWriter } from '../../services/security/audit-writer.js';
import { LOCAL } from '../../services/security/principal.js';
import { buildServices } from '../../services/services-context.js';
import { startConfiguredTelemetry } from '../../services/telemetry/start-telemetry.js';
import { ensureBackgroundService } from '../server/background-service.js';
import { weftHttpRoutes } from '../server/http-routes.js';

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
async function useBackgroundServiceUnlessConfigured(config: WeftConfig): Promise<WeftConfig> {
  if (config.temporal.addressGiven || config.temporal.profileGiven) return config;
  const record = await ensureBackgroundService(config.dataDir, progress);
  return withTemporalService(config, { address: record.temporalAddress, namespace: record.namespace, taskQueue: record.taskQueue, uiUrl: record.uiUrl });
}

async function serveMcp(options: McpOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a port number 0-65535 (got ${options.port})`);
  const context = buildServices(await useBackgroundServiceUnlessConfigured(cliConfig()));
  let audit: AuditWriter | undefined;
  // A caller's trace context (HTTP headers, or `_meta` on stdio) reaches the runs it starts only through a started SDK.
  const telemetry = await startConfiguredTelemetry(context.config.telemetry, 'server');
  try {
    const services = await mcpServices(context);
    const prompts = await loadPrompts();
    const store = await context.database();
    audit = new AuditWriter(await context.audit(), progress);
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
      await server.connect(new GuardedTransport(transport));
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
      allowedOrigins: context.config.mcpAllowedOrigins,
      keys: new ApiKeyService(store),
      audit,
      services,
      prompts,
      log: progress,
      routes: await weftHttpRoutes(
        context,
        services,
        progress,
        telemetry?.prometheus && context.config.telemetry.prometheus ? telemetry.prometheus : undefined,
      ),
    });
    progress(`weft mcp: Streamable HTTP at ${http.url}`);
    progress(`weft mcp: API at ${new URL(API_PREFIX, http.url).href}, console at ${new URL('/', http.url).href}`);
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
    await telemetry?.shutdown();
  }
}
