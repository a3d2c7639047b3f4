// `weft secret set|list|delete`, per namespace or global. Values come from standard input or a
// hidden prompt, never from the command line, where they would land in shell history and process listings.

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { WeftError } from '../../core/errors.js';
import { GLOBAL_SECRETS } from '../../services/secrets/secret-source.js';
import { auditedCommand } from '../../services/security/audit-cli.js';
import { printResult, runCommand } from './output.js';
import { withServices } from './with-services.js';

export function registerSecretCommand(program: Command): void {
  const secret = program
    .command('secret')
    .description('manage secrets, encrypted at rest; a flow reads with secret("NAME") those of its own namespace and the global ones');
  secret
    .command('set <name>')
    .description('set a secret of one namespace (--namespace) or of all (--global, the default); the value is read from standard input or a hidden prompt')
    .option('--namespace <ns>', 'only flows of this namespace may read it')
    .option('--global', 'flows of every namespace may read it (the default)')
    .option('--json', 'print { name, namespace, created }')
    .action((name: string, options: ScopeOptions & { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const namespace = scopeOf(options);
          // The record names the secret and its scope, never its value.
          const result = await auditedCommand(
            () => ctx.audit(),
            { tool: 'secret_set', arguments: { name, namespace } },
            async () => (await ctx.secrets()).set(name, await readValue(name, namespace), namespace),
            (r) => ({ summary: `${r.created ? 'created' : 'updated'} secret ${name} (${scopeLabel(namespace)})` }),
          );
          printResult(options, result, () => `${result.created ? 'created' : 'updated'} secret ${name} (${scopeLabel(namespace)})`);
          return 0;
        }),
      ),
    );
  secret
    .command('list')
    .description('list secret names and namespaces (never values)')
    .option('--namespace <ns>', "only this namespace's secrets and the global ones")
    .option('--json', 'print { secrets: [{ name, namespace, updatedAt }] } (namespace "*" is global)')
    .action((options: { namespace?: string; json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const secrets = await (await ctx.secrets()).list(options.namespace);
          printResult(
            options,
            { secrets },
            () => secrets.map((s) => `${s.name}  ${scopeLabel(s.namespace)}  (updated ${s.updatedAt})`).join('\n') || 'no secrets',
          );
          return 0;
        }),
      ),
    );
  secret
    .command('delete <name>')
    .description('delete a secret of one namespace (--namespace) or the global one (--global, the default)')
    .option('--namespace <ns>', "delete this namespace's secret")
    .option('--global', 'delete the global secret (the default)')
    .option('--json', 'print { deleted }')
    .action((name: string, options: ScopeOptions & { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const namespace = scopeOf(options);
          const result = await auditedCommand(
            () => ctx.audit(),
            { tool: 'secret_delete', arguments: { name, namespace } },
            async () => (await ctx.secrets()).delete(name, namespace),
            (r) => ({ summary: r.deleted ? `deleted secret ${name} (${scopeLabel(namespace)})` : `no secret ${name} (${scopeLabel(namespace)})` }),
          );
          printResult(options, result, () =>
            result.deleted ? `deleted secret ${name} (${scopeLabel(namespace)})` : `no secret ${name} (${scopeLabel(namespace)})`,
          );
          return result.deleted ? 0 : 1;
        }),
      ),
    );
}

interface ScopeOptions {
  namespace?: string;
  global?: boolean;
}

/** The stored scope: a namespace, or global. The CLI is the local user (admin), who may set either. */
function scopeOf(options: ScopeOptions): string {
  if (options.namespace !== undefined && options.global)
    throw new WeftError('SECRET_SCOPE_CONFLICT', 'secret scope must be --namespace NS or --global, not both', {
      hint: 'a secret belongs to one namespace, or to all of them',
    });
  return options.namespace ?? GLOBAL_SECRETS;
}

function scopeLabel(namespace: string): string {
  return namespace === GLOBAL_SECRETS ? 'global' : `namespace ${namespace}`;
}

async function readValue(name: string, namespace: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const value = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!value)
      throw new WeftError('SECRET_EMPTY', `no value for secret ${name} on standard input`, {
        hint: `printf %s "$VALUE" | weft secret set ${name}${namespace === GLOBAL_SECRETS ? '' : ` --namespace ${namespace}`}`,
      });
    return value;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Mute the echo: readline writes typed characters through _writeToOutput.
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(`value for ${name}: `);
  muted._writeToOutput = () => {};
  const value = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return value;
}
