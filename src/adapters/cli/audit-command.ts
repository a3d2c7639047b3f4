// `weft audit`: the audit log of mutating MCP calls, newest first, a page at a time; a compact
// table by default, every field (arguments included) with --json.

import type { Command } from 'commander';
import { WeftError } from '../../core/errors.js';
import { AUDIT_PAGE, type AuditEntry } from '../../services/security/audit-log.js';

import { textTable } from './apikey-command.js';
import { printResult, progress, runCommand } from './output.js';
import { terminalText } from './terminal-text.js';
import { withServices } from './with-services.js';

interface AuditOptions {
  tool?: string;
  actor?: string;
  run?: string;
  flow?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

/** Longest summary shown in the table, in characters. */
const SUMMARY_WIDTH = 60;

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('show the audit log of mutating MCP calls (who, tool, arguments with secrets redacted, outcome), newest first')
    .option('--tool <tool>', 'only calls of this tool, e.g. run_flow')
    .option('--actor <actor>', 'only calls by this actor: local, or key:<prefix>')
    .option('--run <runId>', 'only calls about this run')
    .option('--flow <flow>', 'only calls about this flow (namespace/id)')
    .option('--since <time>', 'only calls at or after this time (RFC 3339)')
    .option('--until <time>', 'only calls before this time (RFC 3339)')
    .option('--limit <n>', `entries per page, 1-${AUDIT_PAGE.max}`, String(AUDIT_PAGE.default))
    .option('--cursor <cursor>', 'the next page: the cursor printed by the previous one')
    .option('--json', 'print { entries: [{ seq, ts, actor, transport, tool, arguments, outcome, errorCode?, summary?, runId?, flow? }], nextCursor? }')
    .action((options: AuditOptions) =>
      runCommand(options, () =>
        withServices(async (ctx) => {
          const { audit } = await ctx.security();
          const page = await audit.query({
            limit: parseLimit(options.limit),
            ...pick(options, ['tool', 'actor', 'since', 'until', 'cursor', 'flow']),
            ...(options.run !== undefined ? { runId: options.run } : {}),
          });
          printResult(options, page, () => formatEntries(page.entries));
          if (page.nextCursor && !options.json) progress(`more: weft audit --cursor ${page.nextCursor}`);
          return 0;
        }),
      ),
    );
}

function parseLimit(text: string | undefined): number {
  const limit = Number(text ?? AUDIT_PAGE.default);
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE.max) {
    throw new WeftError('AUDIT_LIMIT_INVALID', `--limit must be an integer 1-${AUDIT_PAGE.max} (got ${text})`, { hint: 'page with --cursor for more' });
  }
  return limit;
}

function pick<K extends keyof AuditOptions>(options: AuditOptions, keys: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) if (typeof options[key] === 'string') out[key] = options[key] as string;
  return out;
}

function formatEntries(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  return textTable(
    ['TIME', 'ACTOR', 'VIA', 'TOOL', 'OUTCOME', 'TARGET', 'SUMMARY'],
    // Callers choose tool names, actors and summaries (refused calls are recorded too): escaped.
    entries.map((e) =>
      [
        e.ts,
        e.actor,
        e.transport,
        e.tool,
        e.outcome === 'ok' ? 'ok' : `error ${e.errorCode ?? ''}`.trim(),
        e.runId ?? e.flow ?? '-',
        shorten(e.summary ?? '', SUMMARY_WIDTH),
      ].map((cell) => terminalText(cell)),
    ),
  );
}

function shorten(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
