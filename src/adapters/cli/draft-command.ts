// `weft flow draft "<goal>"`: the configured model writes a flow, Weft validates it and feeds
// the problems back until it is valid (bounded). Prints the draft; saves nothing unless --out.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { draftModel, MAX_DRAFT_ROUNDS } from '../../services/llm/flow-drafter.js';
import { printResult, progress, runCommand } from './output.js';
import { withServices } from './with-services.js';

interface DraftOptions {
  model?: string;
  rounds: string;
  out?: string;
  json?: boolean;
}

export function registerDraftCommand(flow: Command): void {
  flow
    .command('draft <goal>')
    .description('have the configured model write a flow for a goal; validated and repaired, not saved')
    .option('--model <provider/model>', 'model to use (default WEFT_DRAFT_MODEL)')
    .option('--rounds <n>', `most model rounds, 1-${MAX_DRAFT_ROUNDS}`, String(MAX_DRAFT_ROUNDS))
    .option('--out <file>', 'write the draft to a file')
    .option('--json', 'print { valid, flow, errors, rounds, usage }')
    .action((goal: string, options: DraftOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { provider, model } = draftModel(options.model, ctx.config.draftModel);
          const rounds = Number(options.rounds);
          if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_DRAFT_ROUNDS)
            throw new ConfigError(`--rounds must be 1-${MAX_DRAFT_ROUNDS} (got ${options.rounds})`);
          const drafter = await ctx.drafter();
          if (!options.json) progress(`drafting with ${provider}/${model} (up to ${rounds} rounds)`);
          const draft = await drafter(goal, `${provider}/${model}`, new AbortController().signal, rounds);
          if (options.out) await writeFile(options.out, `${draft.flow}\n`);
          printResult(options, draft, () =>
            draft.valid
              ? `${draft.flow}\n# valid after ${draft.rounds} round${draft.rounds > 1 ? 's' : ''}${options.out ? `; written to ${options.out}` : ''}`
              : `${draft.flow}\n# still invalid after ${draft.rounds} rounds:\n${draft.errors.map((e) => `#   ${e.path}: ${e.message}`).join('\n')}`,
          );
          return draft.valid ? 0 : 1;
        }),
      ),
    );
}
