// `weft flow validate FILE` and `weft flow schema`.

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { WeftError } from '../../errors.js';
import { flowJsonSchema } from '../../spec/json-schema.js';
import { parseFlow } from '../../spec/parse-flow.js';
import { printResult, runCommand } from '../output.js';

export async function readFlowFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new WeftError('FILE_UNREADABLE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the path of a .yaml or .json flow file',
    });
  }
}

export function registerFlowCommands(program: Command): void {
  const flow = program.command('flow').description('validate flows and print the flow JSON Schema');
  flow
    .command('validate <file>')
    .description('check a flow file against the spec; lists every problem at once')
    .option('--json', 'print { valid, errors: [{ path, message, hint, line }] }')
    .action((file: string, options: { json?: boolean }) =>
      runCommand(options, async () => {
        const parsed = parseFlow(await readFlowFile(file));
        const errors = parsed.valid ? [] : parsed.problems;
        printResult(options, { valid: parsed.valid, errors }, () =>
          parsed.valid
            ? `${file}: valid (${parsed.flow.namespace}/${parsed.flow.id})`
            : errors.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`).join('\n'),
        );
        return parsed.valid ? 0 : 1;
      }),
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
