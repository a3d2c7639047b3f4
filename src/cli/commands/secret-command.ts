// `weft secret set|list|delete`. Values come from standard input or a hidden prompt, never
// from the command line, where they would land in shell history and process listings.

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { WeftError } from '../../errors.js';
import { printResult, runCommand } from '../output.js';
import { withServices } from '../services-context.js';

export function registerSecretCommand(program: Command): void {
  const secret = program.command('secret').description('manage secrets, encrypted at rest; flows read them with secret("NAME")');
  secret
    .command('set <name>')
    .description('set a secret; the value is read from standard input or a hidden prompt')
    .option('--json', 'print { name, created }')
    .action((name: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const value = await readValue(name);
          const result = await (await ctx.secrets()).set(name, value);
          printResult(options, result, () => `${result.created ? 'created' : 'updated'} secret ${name}`);
          return 0;
        }),
      ),
    );
  secret
    .command('list')
    .description('list secret names (never values)')
    .option('--json', 'print { secrets: [{ name, updatedAt }] }')
    .action((options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const secrets = await (await ctx.secrets()).list();
          printResult(options, { secrets }, () => secrets.map((s) => `${s.name}  (updated ${s.updatedAt})`).join('\n') || 'no secrets');
          return 0;
        }),
      ),
    );
  secret
    .command('delete <name>')
    .description('delete a secret')
    .option('--json', 'print { deleted }')
    .action((name: string, options: { json?: boolean }) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const result = await (await ctx.secrets()).delete(name);
          printResult(options, result, () => (result.deleted ? `deleted secret ${name}` : `no secret ${name}`));
          return result.deleted ? 0 : 1;
        }),
      ),
    );
}

async function readValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const value = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!value) throw new WeftError('SECRET_EMPTY', `no value for secret ${name} on standard input`, { hint: `printf %s "$VALUE" | weft secret set ${name}` });
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
