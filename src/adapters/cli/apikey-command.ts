// `weft apikey create|list|revoke`: API keys for the MCP HTTP transport. A key's token is
// printed once, when it is created; the store keeps only its hash.

import type { Command } from 'commander';
import type { ApiKeyInfo } from '../../services/security/api-keys.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import type { Scope } from '../../services/security/principal.js';
import { printResult, progress, runCommand } from './output.js';
import { withServices } from './with-services.js';

interface CreateOptions {
  scope?: string;
  namespace?: string;
  name?: string;
  allowScripts?: boolean;
  person?: boolean;
  json?: boolean;
}

const NOT_SHOWN_AGAIN = 'store this token now: it cannot be shown again (only its hash is kept)';

export function registerApiKeyCommand(program: Command): void {
  const apikey = program.command('apikey').description('manage API keys for `weft mcp --http` (bearer tokens, stored hashed)');
  apikey
    .command('create')
    .description('create a key and print its token, once')
    .option('--scope <scope>', 'read (inspect), run (also save, run, cancel, approve) or admin (also delete)')
    .option('--namespace <namespace>', 'limit the key to flows and runs of one namespace')
    .option('--name <name>', 'a label for the key (default: its prefix)')
    .option('--allow-scripts', 'let a read or run key save and run flows with script tasks (admin keys always may)')
    .option('--person', "a person's key, named by --name: through the HTTP API it answers approvals as that person")
    .option('--json', 'print { id, name, prefix, scope, namespace?, allowScripts, createdAt, token, note }')
    .action((options: CreateOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { apiKeys, audit } = await ctx.security();
          const request = {
            // create() checks the scope, and names the allowed values when it is wrong.
            scope: options.scope as Scope,
            ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
            ...(options.name !== undefined ? { name: options.name } : {}),
            allowScripts: options.allowScripts ?? false,
            ...(options.person ? { person: true } : {}),
          };
          // The record names the key by its prefix; the token is never in it.
          const key = await auditedCommand(
            async () => audit,
            { tool: 'apikey_create', arguments: { ...request } },
            () => apiKeys.create(request),
            (k) => ({ summary: `created API key ${k.name} (${describeKey(k)})` }),
          );
          if (options.json) printResult(options, { ...key, note: NOT_SHOWN_AGAIN }, () => '');
          else {
            // The token alone on stdout, so that `TOKEN=$(weft apikey create …)` works; the rest on stderr.
            progress(`created API key ${key.name} (${describeKey(key)}); ${NOT_SHOWN_AGAIN}:`);
            printResult(options, key, () => key.token);
          }
          return 0;
        }),
      ),
    );
  apikey
    .command('list')
    .description('list keys (never their tokens)')
    .option('--json', 'print { keys: [{ id, name, prefix, scope, namespace?, allowScripts, createdAt, lastUsedAt?, revokedAt? }] }')
    .action((options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { apiKeys } = await ctx.security();
          const keys = await apiKeys.list();
          printResult(options, { keys }, () =>
            keys.length === 0
              ? 'no API keys (create one with `weft apikey create --scope read|run|admin`)'
              : textTable(
                  ['PREFIX', 'NAME', 'SCOPE', 'NAMESPACE', 'SCRIPTS', 'CREATED', 'LAST USED', 'STATE', 'ID'],
                  keys.map((k) => [
                    k.prefix,
                    k.name,
                    k.scope,
                    k.namespace ?? '*',
                    k.scope === 'admin' || k.allowScripts ? 'yes' : 'no',
                    k.createdAt,
                    k.lastUsedAt ?? '-',
                    k.revokedAt ? 'revoked' : 'active',
                    k.id,
                  ]),
                ),
          );
          return 0;
        }),
      ),
    );
  apikey
    .command('revoke <key>')
    .description('revoke a key by id or prefix; it stops working at once')
    .option('--json', 'print { key, revoked } (revoked is false when it already was)')
    .action((idOrPrefix: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { apiKeys, audit } = await ctx.security();
          const result = await auditedCommand(
            async () => audit,
            { tool: 'apikey_revoke', arguments: { key: idOrPrefix } },
            () => apiKeys.revoke(idOrPrefix),
            (r) => ({ summary: `${r.revoked ? 'revoked' : 'already revoked:'} API key ${r.key.name} (${r.key.prefix})` }),
          );
          printResult(options, result, () =>
            result.revoked
              ? `revoked API key ${result.key.name} (${result.key.prefix})`
              : `API key ${result.key.name} (${result.key.prefix}) was already revoked`,
          );
          return 0;
        }),
      ),
    );
}

function describeKey(key: ApiKeyInfo): string {
  const scripts = key.scope === 'admin' || key.allowScripts ? 'scripts allowed' : 'no scripts';
  return `${key.prefix}, scope ${key.scope}, ${key.namespace ? `namespace ${key.namespace}` : 'all namespaces'}, ${scripts}${key.person ? ', a person' : ''}`;
}

/** Rows as left-aligned columns under a header, two spaces apart; the last column is not padded. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
